from __future__ import annotations

from datetime import timedelta

from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.queue.dispatch import InlineDispatcher
from shelfaudit.queue.sweep import sweep
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import Photo, utcnow
from shelfaudit.upload.intake import accept_photo
from shelfaudit.upload.metadata import VisitMetadata
from tests.factories import jpeg_bytes


class Recorder:
    def __init__(self) -> None:
        self.ids: list[int] = []

    def submit(self, photo_id: int) -> None:
        self.ids.append(photo_id)

    def close(self) -> None:
        return None


def accept_aged(runtime: Runtime, seed: int, status: PhotoStatus, age_s: float) -> int:
    photo_id = accept_photo(
        sessions=runtime.sessions,
        objects=runtime.objects,
        settings=runtime.settings,
        data=jpeg_bytes(seed=seed),
        meta=VisitMetadata(),
    ).photo.id
    with runtime.sessions.begin() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        photo.status = status
        photo.updated_at = utcnow() - timedelta(seconds=age_s)
    return photo_id


def test_sweep_requeues_old_received_and_abandoned_processing(runtime: Runtime) -> None:
    waiting = accept_aged(runtime, 1, PhotoStatus.received, age_s=600)
    fresh = accept_aged(runtime, 2, PhotoStatus.received, age_s=1)
    abandoned = accept_aged(runtime, 3, PhotoStatus.processing, age_s=3600)
    busy = accept_aged(runtime, 4, PhotoStatus.processing, age_s=5)
    done = accept_aged(runtime, 5, PhotoStatus.analysed, age_s=3600)

    recorder = Recorder()
    ids = sweep(runtime.sessions, recorder, received_grace_s=120, processing_lease_s=900)

    assert ids == recorder.ids == [waiting, abandoned]
    assert {fresh, busy, done}.isdisjoint(ids)


def test_a_photo_still_queued_is_requeued_once_per_grace_period(runtime: Runtime) -> None:
    # Workers far behind: six sweeps used to queue the same photo six more times.
    waiting = accept_aged(runtime, 1, PhotoStatus.received, age_s=600)
    recorder = Recorder()
    for _ in range(6):
        sweep(runtime.sessions, recorder, received_grace_s=120, processing_lease_s=900)
    assert recorder.ids == [waiting]
    with runtime.sessions.begin() as session:  # a grace period later, it is due again
        photo = session.get(Photo, waiting)
        assert photo is not None
        photo.updated_at = utcnow() - timedelta(seconds=121)
    sweep(runtime.sessions, recorder, received_grace_s=120, processing_lease_s=900)
    assert recorder.ids == [waiting, waiting]


def test_swept_photos_get_analysed(runtime: Runtime) -> None:
    photo_id = accept_aged(runtime, 7, PhotoStatus.processing, age_s=3600)
    dispatcher = InlineDispatcher(runtime.processor, attempts=1)
    sweep(runtime.sessions, dispatcher, received_grace_s=0, processing_lease_s=0)
    with runtime.sessions() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        assert photo.status == PhotoStatus.analysed
