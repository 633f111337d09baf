"""Activities' display standards: every version kept, the newest one scores new photos."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.errors import Conflict, NotFound
from shelfaudit.scoring import DisplayStandard, load_standard
from shelfaudit.store.tables import Activity, ActivityStandard


def put_standard(
    session: Session, *, activity_id: str, source: str, actor: str
) -> ActivityStandard:
    """Store ``source`` (YAML or JSON) as the version it declares; the same text again is a
    no-op, other text under an existing version is a ``Conflict`` (versions never change)."""
    if session.get(Activity, activity_id) is None:
        raise NotFound(f"activity {activity_id!r} does not exist")
    standard = load_standard(source)
    existing = session.get(ActivityStandard, (activity_id, standard.version))
    if existing is not None:
        if existing.source == source:
            return existing
        raise Conflict(
            f"activity {activity_id!r} already has standard version {standard.version}; "
            "publish changes as a new version"
        )
    row = ActivityStandard(
        activity_id=activity_id,
        version=standard.version,
        standard_id=standard.id,
        source=source,
        created_by=actor,
    )
    session.add(row)
    session.flush()
    return row


def latest_row(session: Session, activity_id: str) -> ActivityStandard | None:
    return session.scalar(
        select(ActivityStandard)
        .where(ActivityStandard.activity_id == activity_id)
        .order_by(ActivityStandard.version.desc())
        .limit(1)
    )


def latest_standard(session: Session, activity_id: str) -> DisplayStandard | None:
    row = latest_row(session, activity_id)
    return load_standard(row.source) if row is not None else None
