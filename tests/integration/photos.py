"""The photos the integration tests send, and waiting on what became of them."""

from __future__ import annotations

import time
from collections.abc import Iterable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import Analysis, Photo
from shelfaudit.upload.intake import accept_photo
from shelfaudit.upload.metadata import VisitMetadata
from tests.factories import jpeg_bytes, real_photos


def a_photo(index: int) -> bytes:
    """Real phone photo number ``index``; a generated 1600x1200 JPEG where they are absent.

    Tests sharing the session database use different indices, so that one test's photo is
    never a duplicate of another's.
    """
    photos = real_photos()
    if index < len(photos):
        return photos[index].read_bytes()
    return jpeg_bytes(seed=1000 + index)


def store_photo(runtime: Runtime, data: bytes, **meta: object) -> int:
    """Accept ``data`` the way the API does; returns the new photo's id."""
    accepted = accept_photo(
        sessions=runtime.sessions,
        objects=runtime.objects,
        settings=runtime.settings,
        data=data,
        meta=VisitMetadata.model_validate(meta),
        source_name="shelf.jpg",
    )
    return accepted.photo.id


def photo_status(sessions: sessionmaker[Session], photo_id: int) -> PhotoStatus:
    return PhotoStatus(_photo(sessions, photo_id).status)


def _photo(sessions: sessionmaker[Session], photo_id: int) -> Photo:
    with sessions() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None, f"photo {photo_id} is lost"
        return photo


def analysis_count(sessions: sessionmaker[Session], photo_id: int) -> int:
    with sessions() as session:
        count = session.scalar(
            select(func.count()).select_from(Analysis).where(Analysis.photo_id == photo_id)
        )
        return int(count or 0)


def wait_for_status(
    sessions: sessionmaker[Session],
    photo_id: int,
    wanted: Iterable[PhotoStatus],
    *,
    timeout_s: float,
) -> PhotoStatus:
    """Poll the database until the photo reaches one of ``wanted``; ``failed`` ends it early."""
    wanted = set(wanted)
    deadline = time.monotonic() + timeout_s
    while (photo := _photo(sessions, photo_id)).status not in wanted:
        if photo.status == PhotoStatus.failed or time.monotonic() > deadline:
            pytest.fail(
                f"photo {photo_id} is {photo.status} (last error: {photo.last_error}), "
                f"not {sorted(wanted)}, after {timeout_s} s"
            )
        time.sleep(0.1)
    return PhotoStatus(photo.status)
