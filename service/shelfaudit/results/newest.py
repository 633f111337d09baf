"""The newest analysis of each photo (a photo keeps one per pipeline version)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.store.tables import Analysis


def latest_analyses(session: Session, photo_ids: list[int]) -> dict[int, Analysis]:
    """The newest analysis of each photo, for many photos in one query per 500 ids."""
    found: dict[int, Analysis] = {}
    for start in range(0, len(photo_ids), 500):
        chunk = photo_ids[start : start + 500]
        for row in session.scalars(select(Analysis).where(Analysis.photo_id.in_(chunk))):
            best = found.get(row.photo_id)
            if best is None or (row.updated_at, row.id) > (best.updated_at, best.id):
                found[row.photo_id] = row
    return found
