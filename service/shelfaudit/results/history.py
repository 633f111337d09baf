"""What the pipeline learns from the database: the visit's facts and earlier photos."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shelfaudit.analyse.duplicates import Thresholds
from shelfaudit.analyse.pipeline import Visit
from shelfaudit.analyse.verdict import PhotoIdentity
from shelfaudit.analyse.visit_facts import NeighbourPhoto, Place, StoreFacts, VisitFacts
from shelfaudit.domain.checks import DuplicateMatch, HashResult
from shelfaudit.errors import InvalidInput
from shelfaudit.results.hash_lookup import HashCache, find_earlier
from shelfaudit.scoring.standard import DisplayStandard
from shelfaudit.store.standards import latest_standard
from shelfaudit.store.tables import Activity, CameraFingerprint, Photo, Store

log = logging.getLogger(__name__)

# How far around a photo the rep's other photos are read for travel and burst checks.
NEIGHBOUR_WINDOW = timedelta(hours=24)


@dataclass
class DbHistory:
    """The pipeline's ``History``, answered from the database for one photo."""

    session: Session
    photo_id: int
    thresholds: Thresholds
    cache: HashCache

    def duplicates(
        self, hashes: HashResult, sha256: str, rgb: NDArray[np.uint8]
    ) -> tuple[list[DuplicateMatch], int]:
        return find_earlier(
            self.session,
            photo_id=self.photo_id,
            query=hashes,
            sha256=sha256,
            thresholds=self.thresholds,
            cache=self.cache,
            rgb=rgb,
        )

    def camera_tables(self, camera: str) -> dict[str, int]:
        rows = self.session.execute(
            select(CameraFingerprint.quant_fp, func.count())
            .where(CameraFingerprint.camera == camera, CameraFingerprint.photo_id < self.photo_id)
            .group_by(CameraFingerprint.quant_fp)
        ).all()
        return {fp: int(n) for fp, n in rows}


def place_of(lat: float | None, lon: float | None) -> Place | None:
    """A position, or None: also for 0, 0, which phones without a fix send (a geofence
    check would call it 10,000 km from any store in Asia)."""
    if lat is None or lon is None or (lat == 0 and lon == 0):
        return None
    return Place(lat, lon)


def _standard(session: Session, activity_id: str) -> DisplayStandard | None:
    """The activity's newest standard; None, logged, when today's rules refuse the stored one
    (it was valid when published): the photo is analysed and checked for fraud unscored, and
    `shelfaudit reanalyse --missing-score` scores it once a corrected version is published."""
    try:
        return latest_standard(session, activity_id)
    except InvalidInput as exc:
        log.warning(
            "activity %s: its stored standard no longer loads, photo left unscored: %s",
            activity_id,
            exc.message,
        )
        return None


def load_visit(session: Session, photo: Photo) -> Visit:
    store = session.get(Store, photo.store_id) if photo.store_id else None
    activity = session.get(Activity, photo.activity_id) if photo.activity_id else None
    return Visit(
        standard=_standard(session, activity.id) if activity else None,
        identity=PhotoIdentity(
            store_id=photo.store_id,
            rep_id=photo.rep_id,
            received_at=photo.received_at,
            captured_at=photo.captured_at,
        ),
        facts=VisitFacts(
            captured_at=photo.captured_at,
            captured_offset_s=None
            if photo.captured_offset_min is None
            else photo.captured_offset_min * 60,
            received_at=photo.received_at,
            place=place_of(photo.lat, photo.lon),
            accuracy_m=photo.accuracy_m,
            device_model=photo.device_model,
            store=StoreFacts(
                store_id=store.id, place=place_of(store.lat, store.lon), geofence_m=store.geofence_m
            )
            if store
            else None,
            activity_window=(activity.valid_from, activity.valid_to) if activity else None,
            neighbours=_neighbours(session, photo),
        ),
    )


def _neighbours(session: Session, photo: Photo) -> list[NeighbourPhoto]:
    if not photo.rep_id or photo.captured_at is None:
        return []  # pace is judged on capture times only (analyse.place_checks.pace_signals)
    when = photo.captured_at
    rows = session.execute(
        select(Photo, Store.lat, Store.lon)
        .outerjoin(Store, Store.id == Photo.store_id)
        .where(
            Photo.rep_id == photo.rep_id,
            Photo.id != photo.id,
            Photo.captured_at >= when - NEIGHBOUR_WINDOW,
            Photo.captured_at <= when + NEIGHBOUR_WINDOW,
        )
        .order_by(Photo.id)
        .limit(500)
    ).all()
    found = []
    for other, store_lat, store_lon in rows:
        if other.captured_at is None:  # the window above already leaves those out
            continue
        fix = place_of(other.lat, other.lon)  # its own GPS, with its accuracy; else its store
        found.append(
            NeighbourPhoto(
                photo_id=other.id,
                store_id=other.store_id,
                at=other.captured_at,
                place=fix or place_of(store_lat, store_lon),
                accuracy_m=other.accuracy_m if fix else None,
            )
        )
    return found
