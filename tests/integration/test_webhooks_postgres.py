"""Webhook deliveries on PostgreSQL: several API processes claim what is due at once, and
each delivery goes to exactly one of them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from shelfaudit.notify.deliver import claim_due
from shelfaudit.notify.endpoints import add_endpoint
from shelfaudit.notify.events import EventType, publish
from shelfaudit.runtime import Runtime, build_runtime
from shelfaudit.store.tables import utcnow
from tests.integration.servers import PostgresServer, settings_on
from tests.seeds import ADMIN

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def runtime(tmp_path: Path, postgres_server: PostgresServer) -> Iterator[Runtime]:
    settings = settings_on(tmp_path, database_url=postgres_server.create_database())
    rt = build_runtime(settings, upgrade_db=True)
    yield rt
    rt.close()


def test_deliveries_claimed_at_once_by_four_processes_go_to_one_each(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        endpoint = add_endpoint(
            session,
            url="https://sfa.example.com/hooks",
            events=None,
            description=None,
            actor=ADMIN,
            require_https=True,
        )
        for _ in range(120):
            publish(session, EventType.ping, endpoint_ids=[endpoint.id])
    now = utcnow()
    start = threading.Barrier(4)
    claimed: list[list[int]] = []

    def claim() -> None:
        start.wait()
        mine: list[int] = []
        while ids := claim_due(runtime.sessions, now=now, lease=timedelta(minutes=1), limit=7):
            mine.extend(ids)
        claimed.append(mine)

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    every = [i for mine in claimed for i in mine]
    assert len(every) == len(set(every)) == 120
