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

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.index import keypoint_keys
from shelfaudit.index.lookup import DuplicateSearch
from shelfaudit.results.hash_row_walk import count_missing, walk_missing
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
    missing = PhotoHash.orb_keys.is_(None)

    def visit(session: Session, photo_id: int, sha256: str) -> None:
        features = search.features_for(session, photo_id, sha256)
        if features is None:
            report.without_features += 1
            return
        data = keypoint_keys.to_bytes(keypoint_keys.stored_keys(features))
        session.execute(
            update(PhotoHash).where(PhotoHash.photo_id == photo_id).values(orb_keys=data)
        )
        # Hash indexes in every process catch up from this feed (index/catalog.py).
        session.add(PhotoHashFeed(photo_id=photo_id))
        report.keyed += 1

    walk_missing(sessions, missing, visit, batch=batch, limit=limit)
    report.remaining = count_missing(sessions, missing)
    log.info(
        "keypoint keys: %d photos keyed, %d without features, %d left",
        report.keyed,
        report.without_features,
        report.remaining,
    )
    return report
