"""Walk the photo hash rows a backfill has yet to fill, in small transactions.

Rows are visited by ascending photo id, so a row the backfill cannot fill (its original is
gone) is passed once per run instead of being fetched again forever; a run can stop at any
point and the next one resumes where the rows are still missing.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.store.tables import PhotoHash

# visit(session, photo_id, sha256), inside the batch's transaction
Visit = Callable[[Session, int, str], None]


def walk_missing(
    sessions: sessionmaker[Session],
    missing: ColumnElement[bool],
    visit: Visit,
    *,
    batch: int,
    limit: int | None = None,
) -> int:
    """Visit each hash row where ``missing`` holds (at most ``limit``); returns how many."""
    done = 0
    after = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        with sessions.begin() as session:
            rows = session.execute(
                select(PhotoHash.photo_id, PhotoHash.sha256)
                .where(missing, PhotoHash.photo_id > after)
                .order_by(PhotoHash.photo_id)
                .limit(size)
            ).all()
            if not rows:
                break
            for photo_id, sha256 in rows:
                after = photo_id
                visit(session, photo_id, sha256)
                done += 1
    return done


def count_missing(sessions: sessionmaker[Session], missing: ColumnElement[bool]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).where(missing)) or 0)
