from __future__ import annotations

import dataclasses

import pytest

from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.errors import TransientError
from shelfaudit.queue.dispatch import process_with_retries
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import Photo
from shelfaudit.upload.intake import accept_photo
from shelfaudit.upload.metadata import VisitMetadata
from tests.factories import jpeg_bytes


class BrokenStore:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def put(self, key: str, data: bytes, content_type: str) -> None:
        raise AssertionError("not used")

    def get(self, key: str) -> bytes:
        self.calls += 1
        raise self.error

    def exists(self, key: str) -> bool:
        return True


def accepted(runtime: Runtime) -> int:
    return accept_photo(
        sessions=runtime.sessions,
        objects=runtime.objects,
        settings=runtime.settings,
        data=jpeg_bytes(seed=11),
        meta=VisitMetadata(),
    ).photo.id


def status_of(runtime: Runtime, photo_id: int) -> tuple[str, str | None]:
    with runtime.sessions() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        return photo.status, photo.last_error


def test_a_bug_marks_the_photo_failed_instead_of_looping(runtime: Runtime) -> None:
    photo_id = accepted(runtime)
    store = BrokenStore(RuntimeError("boom"))
    processor = dataclasses.replace(runtime.processor, objects=store)
    with pytest.raises(RuntimeError):
        process_with_retries(processor, photo_id, attempts=3)
    assert store.calls == 1  # not retried
    assert status_of(runtime, photo_id) == (PhotoStatus.failed, "RuntimeError: boom")


def test_transient_errors_are_retried_then_left_for_the_sweep(runtime: Runtime) -> None:
    photo_id = accepted(runtime)
    store = BrokenStore(TransientError("storage down"))
    processor = dataclasses.replace(runtime.processor, objects=store)
    with pytest.raises(TransientError):
        process_with_retries(processor, photo_id, attempts=2)
    assert store.calls == 2
    status, error = status_of(runtime, photo_id)
    assert status == PhotoStatus.received  # an outage never fails a photo
    assert error is not None
    assert "storage down" in error
    with runtime.sessions() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        assert photo.attempts == 0  # the outage's tries are not counted against the photo


def test_an_outage_longer_than_every_retry_does_not_fail_the_photo(runtime: Runtime) -> None:
    photo_id = accepted(runtime)
    from shelfaudit.results.hash_lookup import HashCache

    down = dataclasses.replace(
        runtime.processor, objects=BrokenStore(TransientError("down")), hash_cache=HashCache()
    )
    for _ in range(runtime.settings.max_attempts + 2):  # the sweep queues it again each time
        with pytest.raises(TransientError):
            process_with_retries(down, photo_id, attempts=2)
    assert status_of(runtime, photo_id)[0] == PhotoStatus.received  # still waiting, not failed
    assert runtime.processor.process(photo_id) == PhotoStatus.analysed  # storage is back


def test_a_photo_whose_original_is_gone_fails_at_once_saying_why(runtime: Runtime) -> None:
    from shelfaudit.errors import NotFound

    photo_id = accepted(runtime)
    processor = dataclasses.replace(runtime.processor, objects=BrokenStore(NotFound("no key")))
    assert process_with_retries(processor, photo_id, attempts=3) == PhotoStatus.failed
    status, error = status_of(runtime, photo_id)
    assert status == PhotoStatus.failed
    assert error is not None
    assert "missing from object storage" in error
