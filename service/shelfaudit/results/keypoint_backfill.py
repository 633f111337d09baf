"""Keypoint keys for photos analysed before they were kept (``photo_hashes.orb_keys`` NULL).

After an upgrade, the keypoint postings hold only photos analysed since; this fills in the
rest. Each photo's keys come from its stored local features (read back from the object
store, no decode), or, where those are missing, from its original. The hash row gets the
keys and a feed row, so every running index catches up: the photo's old row, without
keys, is replaced (``HashIndex.add``). Idempotent, in batches, resumable at any point.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.index import keypoint_keys
from shelfaudit.index.lookup import DuplicateSearch
from shelfaudit.store.tables import PhotoHash, PhotoHashFeed

log = logging.getLogger(__name__)


@dataclass
class BackfillReport:
    keyed: int = 0  # photos that got keys
    without_features: int = 0  # photos whose features could not be had (original gone)
    remaining: int = 0  # photos still without keys when the run stopped (``limit``)


def backfill_keys(
    sessions: sessionmaker[Session],
    search: DuplicateSearch,
    *,
    batch: int = 200,
    limit: int | None = None,
) -> BackfillReport:
    """Give keys to every photo hash row without them (at most ``limit`` photos)."""
    report = BackfillReport()
    after = 0  # photo ids are walked upward, so rows that cannot be keyed are passed once
    while limit is None or report.keyed + report.without_features < limit:
        done = report.keyed + report.without_features
        size = batch if limit is None else min(batch, limit - done)
        with sessions.begin() as session:
            rows = session.execute(
                select(PhotoHash.photo_id, PhotoHash.sha256)
                .where(PhotoHash.orb_keys.is_(None), PhotoHash.photo_id > after)
                .order_by(PhotoHash.photo_id)
                .limit(size)
            ).all()
            if not rows:
                break
            for photo_id, sha256 in rows:
                after = photo_id
                features = search.features_for(session, photo_id, sha256)
                if features is None:
                    report.without_features += 1
                    continue
                data = keypoint_keys.to_bytes(keypoint_keys.stored_keys(features))
                session.execute(
                    update(PhotoHash).where(PhotoHash.photo_id == photo_id).values(orb_keys=data)
                )
                # Hash indexes in every process catch up from this feed (index/catalog.py).
                session.add(PhotoHashFeed(photo_id=photo_id))
                report.keyed += 1
    with sessions() as session:
        report.remaining = int(
            session.scalar(select(func.count()).where(PhotoHash.orb_keys.is_(None))) or 0
        )
    log.info(
        "keypoint keys: %d photos keyed, %d without features, %d left",
        report.keyed,
        report.without_features,
        report.remaining,
    )
    return report
