"""The Celery task's outage paths, run eagerly: an outage never fails a photo, and a worker
that cannot start leaves photos for the sweep instead of retrying without end."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy.exc

from shelfaudit.errors import TransientError
from shelfaudit.queue import tasks
from shelfaudit.runtime import Runtime


def test_a_worker_that_cannot_start_leaves_the_photo_after_its_last_try(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def cannot_start() -> Runtime:
        raise TransientError("cannot create bucket: SignatureDoesNotMatch")

    monkeypatch.setattr(tasks, "worker_runtime", cannot_start)
    result = tasks.analyse_photo.apply(args=[1], retries=4)  # the 5th of max_attempts 5
    assert result.get() == "deferred"


def test_an_outage_the_database_shares_still_retries(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    class DatabaseDown:
        def record_transient(self, photo_id: int, error: str) -> None:
            raise sqlalchemy.exc.OperationalError("UPDATE", {}, ConnectionRefusedError())

    broken = dataclasses.replace(runtime, processor=DatabaseDown())  # type: ignore[arg-type]
    # Noting the outage fails too; the task must still go on to retry, not die.
    tasks._note_transient(broken, 1, TransientError("object store unreachable"))
