"""The append-only audit trail: who did what, when, with the state before and after.

Rows are only inserted (the database refuses UPDATE and DELETE on ``audit_events``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.store.tables import AuditEvent, utcnow


def record(
    session: Session,
    *,
    actor: Principal,
    action: str,
    subject: str,
    photo_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one event in the caller's transaction: it commits or rolls back with the change."""
    event = AuditEvent(
        at=utcnow(),
        actor=actor.name,
        actor_role=actor.role.value,
        action=action,
        photo_id=photo_id,
        subject=subject[:200],
        before=before,
        after=after,
    )
    session.add(event)
    session.flush()
    return event


def events_for_photo(session: Session, photo_id: int, *, limit: int = 100) -> list[AuditEvent]:
    """Newest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.photo_id == photo_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def recent_events(
    session: Session,
    *,
    after_id: int = 0,
    limit: int = 200,
    action: str | None = None,
    subject_prefix: str | None = None,
) -> list[AuditEvent]:
    """Oldest first from ``after_id``: the trail as an export reads it; ``action`` keeps one
    kind of event, ``subject_prefix`` those whose subject starts so ("sku " for the SKU
    catalogue, "sku Arla-Standard-Milk" for one SKU)."""
    query = select(AuditEvent).where(AuditEvent.id > after_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if subject_prefix:
        # Not LIKE: SQLite's ignores case, PostgreSQL's does not; this is exact on both.
        head = func.substr(AuditEvent.subject, 1, len(subject_prefix))
        query = query.where(head == subject_prefix)
    return list(session.scalars(query.order_by(AuditEvent.id).limit(limit)))
