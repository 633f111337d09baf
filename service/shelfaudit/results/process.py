"""Analyse one stored photo and keep its results. Idempotent: safe to run twice or more."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.analyse import recapture, sku
from shelfaudit.analyse.detect import load_detectors
from shelfaudit.analyse.pipeline import (
    Models,
    PipelineConfig,
    analyse,
    camera_key,
)
from shelfaudit.domain.checks import AnalysisResult
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.errors import InvalidInput, NotFound, TransientError
from shelfaudit.index.gallery import Gallery
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.yolo import DetectOptions
from shelfaudit.results.hash_lookup import HASH_ROW_UPDATES, HashCache, hash_row
from shelfaudit.results.history import DbHistory, load_visit
from shelfaudit.results.sku_gallery import CatalogueGallery
from shelfaudit.store.objects import ObjectStore
from shelfaudit.store.tables import (
    Analysis,
    CameraFingerprint,
    Photo,
    PhotoHash,
    PhotoHashFeed,
    utcnow,
)
from shelfaudit.store.upsert import upsert

log = logging.getLogger(__name__)


class _CatalogueSlot:
    """The processor's SKU gallery, built on first use (a frozen ``Processor`` cannot assign
    it later, and a process without an embedder never builds one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gallery: CatalogueGallery | None = None

    def get(self, build: Callable[[], CatalogueGallery]) -> CatalogueGallery:
        with self._lock:
            if self._gallery is None:
                self._gallery = build()
            return self._gallery


def load_models(
    cache: ModelCache, options: DetectOptions, gallery: Callable[[], Gallery | None]
) -> Models:
    """Every model of ``cache``'s registry the pipeline runs, loaded (absent ones None)."""
    return Models(
        detectors=load_detectors(cache, options),
        recapture=recapture.load_model(cache)
        if recapture.MODEL_NAME in cache.registry.entries
        else None,
        skus=sku.load_models(cache, gallery),
    )


@dataclass(frozen=True)
class Processor:
    """What analysing a stored photo needs; built once per process."""

    sessions: sessionmaker[Session]
    objects: ObjectStore
    config: PipelineConfig
    debug_delay_s: float = 0.0
    max_attempts: int = 5
    hash_cache: HashCache = field(default_factory=HashCache)
    # Called in the saving transaction after a result is stored (the review triage, then
    # the webhook event), and in the transaction that marks a photo failed.
    on_analysed: Sequence[Callable[[Session, int], None]] = ()
    on_failed: Sequence[Callable[[Session, int], None]] = ()
    models: ModelCache | None = None
    detect_options: DetectOptions = field(default_factory=DetectOptions)
    _catalogue: _CatalogueSlot = field(
        default_factory=_CatalogueSlot, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self.hash_cache.bind(self.objects)  # local features live next to the originals

    def pipeline_models(self) -> Models:
        """The registry's models, loaded once per process (absent ones are None)."""
        if self.models is None:
            return Models()
        return load_models(self.models, self.detect_options, self.sku_gallery)

    def sku_gallery(self) -> Gallery | None:
        """The packshot gallery as the catalogue stands now (None without an embedder)."""
        return self._catalogue.get(self._build_catalogue).current()

    def _build_catalogue(self) -> CatalogueGallery:
        models = self.models
        assert models is not None  # only reached through pipeline_models with a cache
        return CatalogueGallery(
            sessions=self.sessions,
            objects=self.objects,
            embedder=lambda: sku.load_embedder(models),
        )

    def process(self, photo_id: int) -> PhotoStatus:
        """Analyse ``photo_id`` unless it is analysed already.

        Raises ``NotFound`` for an unknown id and ``TransientError`` when storage or the
        database fail in a way a retry may fix; a photo that cannot be decoded, or whose
        original is gone from storage, is marked ``failed`` (with why).

        An analysed photo is left alone whatever pipeline version analysed it: a redelivered
        task on a worker of another version (a rolling deploy, a rollback) would otherwise
        replace the result reviewers and payouts read. A re-analysis is asked for by setting
        the photo back to ``received`` (``results/reanalyse.py``).
        """
        with self.sessions.begin() as session:
            photo = session.get(Photo, photo_id)
            if photo is None:
                raise NotFound(f"photo {photo_id} does not exist")
            if photo.status == PhotoStatus.analysed and _has_result(session, photo_id):
                return PhotoStatus.analysed
            if photo.status == PhotoStatus.processing and photo.attempts >= self.max_attempts:
                # Every earlier attempt died mid-way (a crash, an out-of-memory kill): this
                # photo kills workers, so stop handing it out. The original stays stored.
                photo.status = PhotoStatus.failed
                photo.last_error = f"gave up after {photo.attempts} attempts that never finished"
                photo.updated_at = utcnow()
                for hook in self.on_failed:
                    hook(session, photo_id)
                return PhotoStatus.failed
            photo.status = PhotoStatus.processing
            photo.attempts += 1
            photo.updated_at = utcnow()
            key, sha256 = photo.object_key, photo.sha256

        try:
            data = self.objects.get(key)
        except NotFound:
            # Not a passing outage: the task would otherwise drop it as a vanished photo
            # and leave it `processing` until the sweep gave up on it, an hour later.
            # The key stays in the log: apps read last_error, and object keys are ours.
            log.error("photo %s: original %s is missing from object storage", photo_id, key)
            self.record_failure(photo_id, "the original is missing from object storage")
            return PhotoStatus.failed
        if self.debug_delay_s:
            time.sleep(self.debug_delay_s)
        try:
            result = self._analyse(photo_id, data, sha256)
        except InvalidInput as exc:
            self.record_failure(photo_id, f"{exc.code}: {exc.message}")
            return PhotoStatus.failed
        self._save(photo_id, sha256, result)
        log.info("photo %s analysed in %.1f ms", photo_id, result.ms)
        return PhotoStatus.analysed

    def _analyse(self, photo_id: int, data: bytes, sha256: str) -> AnalysisResult:
        with self.sessions() as session:
            photo = session.get(Photo, photo_id)
            if photo is None:
                raise NotFound(f"photo {photo_id} does not exist")
            history = DbHistory(
                session=session,
                photo_id=photo_id,
                thresholds=self.config.duplicates,
                cache=self.hash_cache,
            )
            return analyse(
                data,
                sha256=sha256,
                config=self.config,
                history=history,
                visit=load_visit(session, photo),
                models=self.pipeline_models(),
            )

    def _save(self, photo_id: int, sha256: str, result: AnalysisResult) -> None:
        now = utcnow()
        with self.sessions.begin() as session:
            upsert(
                session,
                PhotoHash.__table__,  # type: ignore[arg-type]
                hash_row(
                    photo_id, sha256, result.checks.hashes, self.hash_cache.stored_keys(sha256)
                ),
                keys=["photo_id"],
                update=list(HASH_ROW_UPDATES),
            )
            # Hash indexes in every process catch up from this feed (see index/catalog.py).
            session.add(PhotoHashFeed(photo_id=photo_id))
            upsert(
                session,
                Analysis.__table__,  # type: ignore[arg-type]
                {
                    "photo_id": photo_id,
                    "pipeline_version": result.pipeline_version,
                    "checks": result.checks.model_dump(mode="json"),
                    "flags": [flag.model_dump(mode="json") for flag in result.flags],
                    "ms": result.ms,
                    "created_at": now,
                    "updated_at": now,
                },
                keys=["photo_id", "pipeline_version"],
                update=["checks", "flags", "ms", "updated_at"],
            )
            camera = camera_key(result.checks.exif)
            quant_fp = result.checks.metadata.facts.get("quant_fp")
            if camera and quant_fp:
                upsert(
                    session,
                    CameraFingerprint.__table__,  # type: ignore[arg-type]
                    {"photo_id": photo_id, "camera": camera, "quant_fp": quant_fp},
                    keys=["photo_id"],
                    update=["camera", "quant_fp"],
                )
            photo = session.get(Photo, photo_id)
            assert photo is not None
            photo.status = PhotoStatus.analysed
            photo.last_error = None
            photo.updated_at = now
            for hook in self.on_analysed:
                hook(session, photo_id)

    def record_failure(self, photo_id: int, error: str) -> None:
        """A failure retrying cannot fix (a bug, an undecodable photo, a lost original): the
        photo is marked failed, with why; its original, if any, stays stored."""
        with self.sessions.begin() as session:
            photo = session.get(Photo, photo_id)
            if photo is not None:
                photo.status = PhotoStatus.failed
                photo.last_error = error[:2000]
                photo.updated_at = utcnow()
                for hook in self.on_failed:
                    hook(session, photo_id)

    def record_transient(self, photo_id: int, error: str) -> None:
        """Note a failure of storage, database or broker: the photo waits as ``received``
        (the sweep queues it again) and the attempt is not counted, since ``max_attempts``
        is for photos that kill workers, not for an outage (two minutes of S3 down used to
        fail every photo in flight for good). When the database is what is down, this is
        only logged, and the caller's retry goes ahead (the photo may stay ``processing``
        until the retry or the sweep's lease reclaims it)."""
        try:
            with self.sessions.begin() as session:
                photo = session.get(Photo, photo_id)
                if photo is None:
                    return
                photo.last_error = error[:2000]
                photo.status = PhotoStatus.received
                photo.attempts = max(0, photo.attempts - 1)
                photo.updated_at = utcnow()
        except (TransientError, OperationalError) as also:
            log.warning("photo %s: cannot note the outage (%s); retrying anyway", photo_id, also)


def _has_result(session: Session, photo_id: int) -> bool:
    found = session.scalar(select(Analysis.id).where(Analysis.photo_id == photo_id).limit(1))
    return found is not None


def _stuck(received_before: datetime, processing_before: datetime) -> ColumnElement[bool]:
    return ((Photo.status == PhotoStatus.received) & (Photo.updated_at < received_before)) | (
        (Photo.status == PhotoStatus.processing) & (Photo.updated_at < processing_before)
    )


def stuck_photo_ids(
    session: Session, *, received_before: datetime, processing_before: datetime, limit: int
) -> list[int]:
    """Photos the sweep must enqueue again: waiting too long, or held by a dead worker."""
    rows = session.scalars(
        select(Photo.id)
        .where(_stuck(received_before, processing_before))
        .order_by(Photo.id)
        .limit(limit)
    )
    return list(rows)


def claim_stuck_photos(
    session: Session,
    *,
    received_before: datetime,
    processing_before: datetime,
    now: datetime,
    limit: int,
) -> list[int]:
    """The stuck photos, each stamped ``now`` so that its wait starts again: a photo still
    queued behind busy workers is re-queued once per grace period, not at every sweep (which
    multiplied its tasks). The stamp is conditional, so of two sweeps (two API processes)
    only one claims a photo."""
    ids = stuck_photo_ids(
        session, received_before=received_before, processing_before=processing_before, limit=limit
    )
    if not ids:
        return []
    claimed = session.scalars(
        update(Photo)
        .where(Photo.id.in_(ids), _stuck(received_before, processing_before))
        .values(updated_at=now)
        .returning(Photo.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(claimed)
