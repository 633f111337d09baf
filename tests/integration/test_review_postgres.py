"""Two reviewers deciding the same photo at the same instant, on PostgreSQL: one wins, the
other hears 409; never a lost update, never a 500 from the primary key."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from shelfaudit.auth.principal import Principal
from shelfaudit.commission import Decision
from shelfaudit.errors import Conflict
from shelfaudit.review.decisions import decide, decision_stamp
from shelfaudit.review.vocabulary import ReasonCode
from shelfaudit.runtime import Runtime, build_runtime
from shelfaudit.store.tables import PhotoReview
from tests.integration.servers import PostgresServer, settings_on
from tests.seeds import APPROVER, add_photo, seed_master_data

pytestmark = [pytest.mark.postgres]

MAI = Principal(name="mai", role=APPROVER.role)
LAN = Principal(name="lan", role=APPROVER.role)


@pytest.fixture
def runtime(tmp_path: Path, postgres_server: PostgresServer) -> Iterator[Runtime]:
    settings = settings_on(tmp_path, database_url=postgres_server.create_database())
    rt = build_runtime(settings, upgrade_db=True)
    seed_master_data(rt)
    yield rt
    rt.close()


def race(runtime: Runtime, photo: int, seen: str) -> list[str]:
    """Mai approves and Lan rejects at once, both on ``seen``; what each heard."""
    start = threading.Barrier(2)
    heard: list[str] = []

    def send(actor: Principal, decision: Decision) -> None:
        start.wait()
        try:
            with runtime.sessions.begin() as session:
                decide(
                    session,
                    photo_id=photo,
                    decision=decision,
                    reason_code=ReasonCode.duplicate if decision is Decision.rejected else None,
                    actor=actor,
                    seen=seen,
                )
            heard.append("ok")
        except Conflict:
            heard.append("409")

    threads = [
        threading.Thread(target=send, args=(MAI, Decision.approved)),
        threading.Thread(target=send, args=(LAN, Decision.rejected)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return sorted(heard)


@pytest.mark.parametrize("already_decided", [False, True])
def test_of_two_decisions_at_once_one_wins_and_one_hears_409(
    runtime: Runtime, already_decided: bool
) -> None:
    for _ in range(6):
        photo = add_photo(runtime, verdict="review")
        if already_decided:
            with runtime.sessions.begin() as session:
                decide(session, photo_id=photo, decision=Decision.approved, actor=APPROVER)
        with runtime.sessions() as session:
            seen = decision_stamp(session.get(PhotoReview, photo))
        assert race(runtime, photo, seen) == ["409", "ok"]
