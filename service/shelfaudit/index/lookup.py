"""Duplicate search for one new photo against every earlier one (``id`` below its own).

One ``DuplicateSearch`` lives in each analysing process (worker or in-process API). It
holds the hash index (``catalog.py``), a small cache of local features, and the object
store where features are kept next to the originals. Order of work for a photo:

1. identical bytes: the ``photos.sha256`` index;
2. hashes: the index, with the photo's eight dihedral variants and the picture inside its
   flat bars, and the second index of what lies inside earlier photos' bars;
3. local features: the nearest hash candidates that did not match, the photos sharing
   most keypoint keys with it, and the latest photos of the same store and of the same
   rep, verified by ORB + RANSAC (at most
   ``max_verify``); features missing for old photos are computed from their originals
   (at most ``backfill_max`` per photo).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from shelfaudit.analyse.decode import decode
from shelfaudit.analyse.duplicates import Thresholds
from shelfaudit.analyse.hashes import VERSION as HASHES_VERSION
from shelfaudit.domain.checks import DuplicateMatch, HashResult
from shelfaudit.domain.enums import MatchKind
from shelfaudit.errors import NotFound, ShelfAuditError
from shelfaudit.index import features as local
from shelfaudit.index import keypoint_keys
from shelfaudit.index.catalog import CatalogConfig, IndexedHashes
from shelfaudit.index.features import LocalFeatures
from shelfaudit.index.search import (
    VARIANT_NAMES,
    Match,
    SearchConfig,
    concat,
    keypoint_unmatched,
    local_matches,
    nearest_unmatched,
    query_of,
    search_hashes,
)
from shelfaudit.index.verify import VerifyConfig
from shelfaudit.settings import Settings
from shelfaudit.store.objects import ObjectStore
from shelfaudit.store.tables import Photo, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LookupConfig:
    catalog: CatalogConfig = field(default_factory=CatalogConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    recent_per_context: int = 12  # latest photos of the same store, and of the same rep
    latest_overall: int = 8  # latest photos of anyone
    recent_days: float = 90.0
    backfill_max: int = 4
    features_cache: int = 2048  # photos' features kept in memory (~20 KB each)
    analysis_long_side: int = 1024
    max_pixels: int = 100_000_000


@dataclass(frozen=True)
class Found:
    matches: list[DuplicateMatch]
    searched: int
    verified: int
    local_ms: float


def config_from_settings(settings: Settings) -> LookupConfig:
    search = SearchConfig(
        pdq_match=settings.pdq_max_distance,
        vote_pdq=settings.dup_vote_pdq,
        vote_phash=settings.phash_max_distance,
        vote_dhash=settings.dhash_max_distance,
        verify_nearest=settings.dup_verify_nearest,
        max_verify=settings.dup_verify_max,
        keypoint_nearest=settings.dup_verify_keypoint,
        keypoint_min_votes=settings.dup_keypoint_min_votes,
        keypoint_probe_below=settings.dup_keypoint_probe_below,
        verify=VerifyConfig(
            min_inliers=settings.dup_min_inliers, min_similarity=settings.dup_min_similarity
        ),
    )
    return LookupConfig(
        catalog=CatalogConfig(
            radius=settings.dup_index_radius,
            root=settings.data_dir / "index" / "pdq",
            hashes_version=HASHES_VERSION,
            gap_timeout_s=settings.dup_index_gap_timeout_s,
            save_every=settings.dup_index_save_every,
        ),
        search=search,
        recent_per_context=settings.dup_verify_recent,
        latest_overall=settings.dup_verify_latest,
        recent_days=settings.dup_verify_recent_days,
        analysis_long_side=settings.quality_long_side,
        max_pixels=settings.max_pixels,
    )


class _FeatureCache:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, LocalFeatures] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> LocalFeatures | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, value: LocalFeatures) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class DuplicateSearch:
    """The per-process duplicate search; ``bind`` it to the object store before use."""

    def __init__(self, config: LookupConfig | None = None) -> None:
        self.config = config or LookupConfig(catalog=CatalogConfig(hashes_version=HASHES_VERSION))
        self.hashes = IndexedHashes(self.config.catalog)
        self._features = _FeatureCache(self.config.features_cache)
        self._objects: ObjectStore | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> DuplicateSearch:
        return cls(config_from_settings(settings))

    def bind(self, objects: ObjectStore) -> DuplicateSearch:
        self._objects = objects
        return self

    # ------------------------------------------------------------------ search

    def find(
        self,
        session: Session,
        *,
        photo: Photo,
        hashes: HashResult,
        features: LocalFeatures,
        thresholds: Thresholds | None = None,
        inside_bars: LocalFeatures | None = None,
        mirrored: LocalFeatures | None = None,
    ) -> Found:
        """Earlier photos this one repeats: identical first, then by hashes, then by local
        features; each with its evidence. ``inside_bars``: features of the picture inside
        the photo's flat bars (a screenshot), also looked up in the keypoint postings;
        ``mirrored``: features of the photo mirrored, looked up and verified too."""
        config = self.config.search
        if thresholds is not None:
            config = replace(
                config,
                pdq_match=thresholds.pdq,
                vote_phash=thresholds.phash,
                vote_dhash=thresholds.dhash,
                vote_pdq=max(config.vote_pdq, thresholds.pdq),
            )
        exact = list(
            session.scalars(
                select(Photo.id)
                .where(Photo.sha256 == photo.sha256, Photo.id < photo.id)
                .order_by(Photo.id.desc())
            )
        )
        with self.hashes.lock:
            index = self.hashes.index(session)
            by_hash, candidates = search_hashes(
                index, hashes, before_id=photo.id, config=config, inside=self.hashes.inside
            )
            searched = index.count_before(photo.id)
            skip = set(exact) | {m.photo_id for m in by_hash}
            pool = nearest_unmatched(candidates, skip, config.verify_nearest)
            pool += keypoint_unmatched(
                index,
                features,
                skip | set(pool),
                before_id=photo.id,
                config=config,
                inside_bars=inside_bars,
                mirrored=mirrored,
            )
        pool += self._recent(session, photo, skip | set(pool))
        with self.hashes.lock:
            known = set(candidates.ids.tolist())
            extra = [p for p in pool if p not in known]
            distances = concat(candidates, index.distances(query_of(hashes), extra))
        rows = session.execute(select(Photo.id, Photo.sha256).where(Photo.id.in_(pool))).all()
        shas = {int(photo_id): str(sha) for photo_id, sha in rows}
        backfills = [0]

        def load(photo_id: int) -> LocalFeatures | None:
            return self._load(session, photo_id, shas.get(photo_id), backfills)

        outcome = local_matches(features, pool, load, distances, config, mirrored)
        found = self._evidence(session, exact, by_hash, outcome.matches)
        return Found(found, searched, outcome.verified, outcome.ms)

    def _recent(self, session: Session, photo: Photo, skip: set[int]) -> list[int]:
        """The latest earlier photos of the same store, of the same rep, and of anyone.

        Reuse is mostly close in place or time: a rep's own gallery, a colleague at the
        same store, a picture shared in a chat group and sent in the same hour.
        """
        out: list[int] = []
        since = (photo.received_at or utcnow()) - timedelta(days=self.config.recent_days)
        per = self.config.recent_per_context
        contexts: list[tuple[ColumnElement[bool], int]] = []
        if photo.store_id is not None:
            contexts.append((Photo.store_id == photo.store_id, per))
        if photo.rep_id is not None:
            contexts.append((Photo.rep_id == photo.rep_id, per))
        contexts.append((true(), self.config.latest_overall))
        for where, count in contexts:
            if count <= 0:
                continue
            ids = session.scalars(
                select(Photo.id)
                .where(where, Photo.id < photo.id, Photo.received_at >= since)
                .order_by(Photo.id.desc())
                .limit(count + len(skip) + len(out))
            )
            fresh = [i for i in ids if i not in skip and i not in out]
            out.extend(fresh[:count])
        return out

    # ------------------------------------------------------------------ features

    def stored_keys(self, sha256: str) -> bytes | None:
        """The keypoint keys to save with a photo's hashes, from its kept features (None
        when it has none: the index then leaves it out)."""
        features = self._kept(sha256)
        if features is None or len(features) == 0:
            return None
        return keypoint_keys.to_bytes(keypoint_keys.stored_keys(features))

    def store_features(self, sha256: str, features: LocalFeatures) -> None:
        """Keep a photo's features for later lookups (idempotent: content-addressed)."""
        self._features.put(sha256, features)
        if self._objects is not None:
            self._objects.put(
                local.features_key(sha256), local.to_bytes(features), "application/x-npz"
            )

    def features_for(self, session: Session, photo_id: int, sha256: str) -> LocalFeatures | None:
        """A photo's features: kept ones, else computed from its original (and kept)."""
        kept = self._kept(sha256, photo_id)
        return kept if kept is not None else self._backfill(session, photo_id, sha256)

    def _load(
        self, session: Session, photo_id: int, sha256: str | None, backfills: list[int]
    ) -> LocalFeatures | None:
        """Kept features, else (at most ``backfill_max`` times per search, counted in
        ``backfills``) computed from the original."""
        if sha256 is None:
            return None
        kept = self._kept(sha256, photo_id)
        if kept is not None or backfills[0] >= self.config.backfill_max:
            return kept
        backfills[0] += 1
        return self._backfill(session, photo_id, sha256)

    def _kept(self, sha256: str, photo_id: int | None = None) -> LocalFeatures | None:
        """Features from the cache, else from the object store (then cached)."""
        cached = self._features.get(sha256)
        if cached is not None or self._objects is None:
            return cached
        try:
            loaded = local.from_bytes(self._objects.get(local.features_key(sha256)))
        except NotFound:
            return None
        except ValueError as exc:
            log.warning("features of photo %s unreadable (%s)", photo_id or sha256, exc)
            return None
        self._features.put(sha256, loaded)
        return loaded

    def analysis_image(self, session: Session, photo_id: int) -> NDArray[np.uint8] | None:
        """A stored photo decoded as the pipeline decodes it (upright, at the analysis
        size); None when its original cannot be had."""
        if self._objects is None:
            return None
        key = session.scalar(select(Photo.object_key).where(Photo.id == photo_id))
        if key is None:
            return None
        try:
            return decode(
                self._objects.get(key),
                target_long_side=self.config.analysis_long_side,
                max_pixels=self.config.max_pixels,
            ).rgb
        except (NotFound, ShelfAuditError) as exc:
            log.warning("cannot decode photo %s again: %s", photo_id, exc)
            return None

    def _backfill(self, session: Session, photo_id: int, sha256: str) -> LocalFeatures | None:
        """Features of a photo analysed before they were kept: from its original."""
        rgb = self.analysis_image(session, photo_id)
        if rgb is None:
            return None
        try:
            extracted = local.extract(rgb).features
        except cv2.error as exc:
            # One photo OpenCV cannot take must not fail the search for every later photo.
            log.warning("cannot extract features of photo %s: %s", photo_id, exc)
            return None
        self.store_features(sha256, extracted)
        return extracted

    # ------------------------------------------------------------------ evidence

    def _evidence(
        self, session: Session, exact: list[int], by_hash: list[Match], by_local: list[Match]
    ) -> list[DuplicateMatch]:
        ids = [*exact, *(m.photo_id for m in by_hash), *(m.photo_id for m in by_local)]
        if not ids:
            return []
        photos = {p.id: p for p in session.scalars(select(Photo).where(Photo.id.in_(ids)))}
        hashed = {m.photo_id: m for m in by_hash}
        out: list[DuplicateMatch] = []
        seen: set[int] = set()
        for photo_id in exact:
            hit = hashed.get(photo_id)
            out.append(
                _evidence(
                    photos.get(photo_id),
                    photo_id,
                    MatchKind.exact,
                    "sha256",
                    hit or Match(photo_id, "hash", 0, 0, 0, 0),
                )
            )
            seen.add(photo_id)
        for m in [*by_hash, *by_local]:
            if m.photo_id in seen or m.photo_id not in photos:
                continue  # deleted since it was indexed
            out.append(_evidence(photos[m.photo_id], m.photo_id, MatchKind.near, m.stage, m))
            seen.add(m.photo_id)
        return out


def _evidence(
    photo: Photo | None,
    photo_id: int,
    kind: MatchKind,
    stage: Literal["sha256", "hash", "local_features"],
    match: Match,
) -> DuplicateMatch:
    return DuplicateMatch(
        photo_id=photo_id,
        kind=kind,
        file=photo.source_name if photo else None,
        store_id=photo.store_id if photo else None,
        rep_id=photo.rep_id if photo else None,
        received_at=photo.received_at if photo else None,
        captured_at=photo.captured_at if photo else None,
        pdq_distance=match.pdq_distance,
        phash_distance=match.phash_distance,
        dhash_distance=match.dhash_distance,
        stage=stage,
        variant=VARIANT_NAMES[match.variant],
        inliers=match.inliers,
        similarity=match.similarity,
    )
