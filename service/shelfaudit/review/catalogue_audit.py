"""The SKU catalogue's audit trail: what each change to a SKU or its packshots records.

The API and the CLI both record through these helpers, so a change reads the same in the
trail whoever made it. Each takes the session of the change (the event commits or rolls
back with it), except ``record_packshots_added``: packshots are stored by
``accept_packshots`` in sessions of its own, so their event follows in a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from shelfaudit.auth.principal import Principal
from shelfaudit.review import audit
from shelfaudit.store.tables import AuditEvent, Sku, SkuPackshot
from shelfaudit.upload.packshots import AcceptedPackshot


def sku_subject(sku_id: str) -> str:
    return f"sku {sku_id}"


def sku_state(row: Sku) -> dict[str, Any]:
    """What an SKU event records of the SKU, before or after."""
    return {"name": row.name, "brand": row.brand, "barcode": row.barcode, "active": row.active}


def packshot_state(row: SkuPackshot) -> dict[str, Any]:
    state: dict[str, Any] = {"id": row.id, "sha256": row.sha256}
    if row.kind != "packshot":  # a field example: where it was cut from
        state |= {"kind": row.kind, "source_photo_id": row.source_photo_id}
    return state


def record_sku_created(session: Session, *, actor: Principal, row: Sku) -> AuditEvent:
    return audit.record(
        session,
        actor=actor,
        action="sku_create",
        subject=sku_subject(row.sku_id),
        after=sku_state(row),
    )


def record_sku_changed(
    session: Session, *, actor: Principal, action: str, before: dict[str, Any], row: Sku
) -> AuditEvent | None:
    """``sku_update`` or ``sku_deactivate``, from ``before`` (``sku_state`` read before the
    change) to the row now; nothing when nothing changed."""
    after = sku_state(row)
    if after == before:
        return None
    return audit.record(
        session,
        actor=actor,
        action=action,
        subject=sku_subject(row.sku_id),
        before=before,
        after=after,
    )


def record_packshot_deleted(session: Session, *, actor: Principal, row: SkuPackshot) -> AuditEvent:
    return audit.record(
        session,
        actor=actor,
        action="packshot_delete",
        subject=f"{sku_subject(row.sku_id)} packshot {row.id}",
        before=packshot_state(row),
    )


def record_packshots_added(
    sessions: sessionmaker[Session],
    *,
    actor: Principal,
    sku_id: str,
    accepted: Sequence[AcceptedPackshot],
) -> AuditEvent | None:
    """One ``packshot_add`` event listing the packshots actually created; none if none was."""
    created = [packshot_state(a.packshot) for a in accepted if a.created]
    if not created:
        return None
    # A field example is cut from one photo: its event is on that photo's trail too.
    sources = {a.packshot.source_photo_id for a in accepted if a.created}
    photo_id = sources.pop() if len(sources) == 1 else None
    with sessions.begin() as session:
        return audit.record(
            session,
            actor=actor,
            action="packshot_add",
            subject=sku_subject(sku_id),
            photo_id=photo_id,
            after={"packshots": created},
        )
