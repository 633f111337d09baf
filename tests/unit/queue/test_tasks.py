"""The Celery task's outage paths, run eagerly: an outage never fails a photo, and a worker
that cannot start leaves photos for the sweep instead of retrying without end."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy.exc

from shelfaudit.errors import TransientError
from shelfaudit.queue import tasks
from shelfaudit.runtime import Runtime


def test_a_worker_that_cannot_start_leaves_the_photo_saying_why(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shelfaudit.settings import get_settings
    from shelfaudit.store.tables import Photo
    from tests.unit.queue.test_dispatch import accepted

    photo_id = accepted(runtime)
    monkeypatch.setenv("SHELFAUDIT_DATA_DIR", str(runtime.settings.data_dir))  # the worker's
    get_settings.cache_clear()

    def cannot_start() -> Runtime:
        raise TransientError("cannot create bucket: SignatureDoesNotMatch")

    monkeypatch.setattr(tasks, "worker_runtime", cannot_start)
    result = tasks.analyse_photo.apply(args=[photo_id], retries=4)  # the 5th of 5 tries
    assert result.get() == "deferred"
    with runtime.sessions() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        assert photo.status == "received"  # waits for the sweep
        assert "a worker cannot start" in (photo.last_error or "")
    get_settings.cache_clear()


def test_noting_an_outage_the_database_shares_does_not_stop_the_retry(
    runtime: Runtime,
) -> None:
    class DatabaseDown:
        def begin(self) -> None:
            raise sqlalchemy.exc.OperationalError("UPDATE", {}, ConnectionRefusedError())

    processor = dataclasses.replace(runtime.processor, sessions=DatabaseDown())  # type: ignore[arg-type]
    # The task and the in-process dispatcher call this before retrying: it must not raise.
    processor.record_transient(1, "TransientError: object store unreachable")
