"""Two reviewers acting on the same photo at the same instant, on PostgreSQL: one wins, the
other hears 409; never a lost update, never a 500 from the primary key."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.commission import Decision
from shelfaudit.errors import Conflict
from shelfaudit.review.decisions import decide, decision_stamp
from shelfaudit.review.detections import correct_box, current_boxes
from shelfaudit.review.drawn_boxes import draw_box, drawn_boxes_of
from shelfaudit.review.vocabulary import BoxAction, ReasonCode
from shelfaudit.runtime import Runtime, build_runtime
from shelfaudit.store.tables import PhotoReview
from tests.integration.servers import PostgresServer, settings_on
from tests.seeds import APPROVER, add_photo, seed_master_data

pytestmark = [pytest.mark.postgres]

MAI = Principal(name="mai", role=APPROVER.role)
LAN = Principal(name="lan", role=APPROVER.role)
BOXES = [{"xyxy": [10, 20, 110, 220], "class_name": "beer_can", "confidence": 0.9}]


@pytest.fixture
def runtime(tmp_path: Path, postgres_server: PostgresServer) -> Iterator[Runtime]:
    settings = settings_on(tmp_path, database_url=postgres_server.create_database())
    rt = build_runtime(settings, upgrade_db=True)
    seed_master_data(rt)
    yield rt
    rt.close()


def race(runtime: Runtime, *acts: Callable[[Session], object]) -> list[str]:
    """Run ``acts`` at once, each in its own transaction; what each heard, sorted."""
    start = threading.Barrier(len(acts))
    heard: list[str] = []

    def run(act: Callable[[Session], object]) -> None:
        start.wait()
        try:
            with runtime.sessions.begin() as session:
                act(session)
            heard.append("ok")
        except Conflict:
            heard.append("409")

    threads = [threading.Thread(target=run, args=(act,)) for act in acts]
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
        heard = race(
            runtime,
            lambda s, p=photo, seen=seen: decide(
                s, photo_id=p, decision=Decision.approved, actor=MAI, seen=seen
            ),
            lambda s, p=photo, seen=seen: decide(
                s,
                photo_id=p,
                decision=Decision.rejected,
                reason_code=ReasonCode.duplicate,
                actor=LAN,
                seen=seen,
            ),
        )
        assert heard == ["409", "ok"]


def test_of_two_corrections_of_one_box_at_once_one_wins_and_one_hears_409(
    runtime: Runtime,
) -> None:
    for _ in range(6):
        photo = add_photo(runtime, verdict="review", boxes=BOXES)
        with runtime.sessions() as session:
            key = current_boxes(session, photo)[0].key
        heard = race(
            runtime,
            lambda s, p=photo, key=key: correct_box(
                s, photo_id=p, box_index=0, action=BoxAction.wrong, actor=MAI, seen=key
            ),
            lambda s, p=photo, key=key: correct_box(
                s,
                photo_id=p,
                box_index=0,
                action=BoxAction.relabel,
                class_name="beer_bottle",
                actor=LAN,
                seen=key,
            ),
        )
        assert heard == ["409", "ok"]


def test_of_two_reviewers_drawing_one_missed_object_at_once_one_wins_and_one_hears_409(
    runtime: Runtime,
) -> None:
    for _ in range(6):
        photo = add_photo(runtime, verdict="review", boxes=BOXES)
        heard = race(
            runtime,
            lambda s, p=photo: draw_box(
                s, photo_id=p, class_name="beer_crate", xyxy=(150, 20, 300, 200), actor=MAI
            ),
            lambda s, p=photo: draw_box(
                s, photo_id=p, class_name="beer_crate", xyxy=(152, 22, 300, 201), actor=LAN
            ),
        )
        assert heard == ["409", "ok"]
        with runtime.sessions() as session:
            assert len(drawn_boxes_of(session, photo)) == 1


def test_a_run_and_a_closing_of_one_period_at_once_never_replace_closed_statements(
    runtime: Runtime,
) -> None:
    from sqlalchemy import func, select

    from shelfaudit.payouts.closing import close_period
    from shelfaudit.payouts.statements import run_statements
    from shelfaudit.store.tables import PayoutClosure, PayoutStatement
    from tests.seeds import ADMIN, LAST_MONTH, add_scheme

    add_scheme(runtime)
    add_photo(runtime, verdict="clean", fraud_score=0.0, score=85)
    with runtime.sessions.begin() as session:
        run_statements(session, period=LAST_MONTH, actor=ADMIN)

    heard = race(
        runtime,
        lambda session: run_statements(session, period=LAST_MONTH, actor=ADMIN),
        lambda session: close_period(session, period=LAST_MONTH, actor=ADMIN),
    )

    assert heard in (["ok", "ok"], ["409", "ok"])  # run then close, or close then a refused run
    with runtime.sessions() as session:
        closed_at = session.scalar(select(PayoutClosure.closed_at))
        stored_at = session.scalar(select(func.max(PayoutStatement.created_at)))
    assert closed_at is not None
    assert stored_at is not None
    assert stored_at <= closed_at  # what was closed is what is stored
