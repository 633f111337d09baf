"""Inside-bars hashes for photos hashed before they were kept (``photo_hashes.inside_pdq``
NULL).

After an upgrade, the inside-bars index holds only photos analysed since; this checks the
rest. Each photo's original is decoded again as the pipeline decodes it and hashed; a photo
with flat bars gets the hashes of what lies inside them and a feed row, so every running
index catches up; one without is marked checked (``NO_BARS``) and needs no feed row.
Idempotent, in batches, resumable at any point.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.analyse import hashes
from shelfaudit.analyse.duplicates import hex_to_u64
from shelfaudit.index.lookup import DuplicateSearch
from shelfaudit.results.hash_lookup import NO_BARS, to_signed64
from shelfaudit.results.hash_row_walk import count_missing, walk_missing
from shelfaudit.store.tables import PhotoHash, PhotoHashFeed

log = logging.getLogger(__name__)


@dataclass
class InsideBackfillReport:
    checked: int = 0  # photos decoded again and hashed
    with_bars: int = 0  # of them, photos with flat bars (now in the inside-bars index)
    without_original: int = 0  # photos whose original could not be read
    remaining: int = 0  # photos still unchecked when the run stopped (``limit``, errors)


def backfill_inside(
    sessions: sessionmaker[Session],
    search: DuplicateSearch,
    *,
    batch: int = 100,
    limit: int | None = None,
) -> InsideBackfillReport:
    """Check every unchecked photo hash row for flat bars (at most ``limit`` photos)."""
    report = InsideBackfillReport()
    missing = PhotoHash.inside_pdq.is_(None)

    def visit(session: Session, photo_id: int, sha256: str) -> None:
        rgb = search.analysis_image(session, photo_id)
        if rgb is None:
            report.without_original += 1
            return
        inside = hashes.inside_hashes(hashes.compute(rgb))
        report.checked += 1
        values: dict[str, object] = {"inside_pdq": NO_BARS}
        if inside is not None:
            phash, dhash, pdq = inside
            values = {
                "inside_phash": to_signed64(hex_to_u64(phash)),
                "inside_dhash": to_signed64(hex_to_u64(dhash)),
                "inside_pdq": pdq,
            }
            # Hash indexes in every process catch up from this feed (index/catalog.py).
            session.add(PhotoHashFeed(photo_id=photo_id))
            report.with_bars += 1
        session.execute(update(PhotoHash).where(PhotoHash.photo_id == photo_id).values(**values))

    walk_missing(sessions, missing, visit, batch=batch, limit=limit)
    report.remaining = count_missing(sessions, missing)
    log.info(
        "inside-bars hashes: %d photos checked, %d with bars, %d without original, %d left",
        report.checked,
        report.with_bars,
        report.without_original,
        report.remaining,
    )
    return report
