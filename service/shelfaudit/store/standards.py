"""Activities' display standards: every version kept, the newest one scores new photos."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shelfaudit.errors import Conflict, InvalidInput, InvalidStandard, NotFound
from shelfaudit.scoring import DisplayStandard, load_standard, load_stored_standard
from shelfaudit.scoring.vocabulary import DetectorVocabulary, unknown_names
from shelfaudit.store.tables import Activity, ActivityStandard, Sku

MAX_STANDARD_BYTES = 256 * 1024


class StandardVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    activity_id: str
    version: int
    standard_id: str
    created_by: str
    created_at: datetime


def standard_source(data: bytes) -> str:
    """The text of an uploaded standard (API body or CLI file), refused when too long or not
    UTF-8; ``put_standard`` validates what it says."""
    if len(data) > MAX_STANDARD_BYTES:
        raise InvalidInput(f"a display standard is at most {MAX_STANDARD_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("a display standard is UTF-8 text (YAML or JSON)") from exc


def unknown_skus(session: Session, standard: DisplayStandard) -> list[str]:
    """The standard's SKU ids that look like mistakes: the id of a deactivated SKU (never
    recognised), a product's name instead of its id, or an id the catalogue does not have
    while it has one differing only in case or by two swapped letters. SKU ids match
    exactly, so each of these scored every photo 0 without a word. Any other id passes: the
    product may be added after its standard (Milk-2L beside a catalogue's Milk-1L)."""
    wanted = sorted({sku for c in standard.criteria for sku in getattr(c, "skus", ())})
    if not wanted:
        return []
    rows = session.execute(select(Sku.sku_id, Sku.name, Sku.active)).all()
    active = {sku_id: is_active for sku_id, _, is_active in rows}
    by_name = {name.casefold(): sku_id for sku_id, name, _ in rows}
    folded = {sku_id.casefold(): sku_id for sku_id in active}
    problems = []
    for sku in wanted:
        if sku in active:
            if not active[sku]:
                problems.append(f"SKU {sku!r} is deactivated: it is never recognised")
            continue
        if sku.casefold() in by_name:
            problems.append(f"{sku!r} is the name of SKU {by_name[sku.casefold()]!r}: give its id")
            continue
        close = folded.get(sku.casefold()) or next(
            (known for known in active if _swapped(sku.casefold(), known.casefold())), None
        )
        if close is not None:
            problems.append(f"SKU {sku!r} is not in the catalogue: did you mean {close!r}?")
    return problems


def _swapped(typed: str, known: str) -> bool:
    """``typed`` is ``known`` with two neighbouring characters swapped ("Mlik" for "Milk").
    Only that counts as a typo: ids one letter or digit apart are usually sister products
    (Milk-1L and Milk-2L, Can-S and Can-M)."""
    if len(typed) != len(known) or typed == known:
        return False
    apart = [i for i, (a, b) in enumerate(zip(typed, known, strict=True)) if a != b]
    return (
        len(apart) == 2
        and apart[1] == apart[0] + 1
        and typed[apart[0]] == known[apart[1]]
        and typed[apart[1]] == known[apart[0]]
    )


def put_standard(
    session: Session,
    *,
    activity_id: str,
    source: str,
    actor: str,
    vocabulary: DetectorVocabulary | None = None,
) -> ActivityStandard:
    """Store ``source`` (YAML or JSON) as the version it declares; the same text again is a
    no-op, other text under an existing version is a ``Conflict`` (versions never change).
    With ``vocabulary`` (the served detector's), unknown classes and groups are refused."""
    if session.get(Activity, activity_id) is None:
        raise NotFound(f"activity {activity_id!r} does not exist")
    standard = load_standard(source)
    problems = unknown_names(standard, vocabulary) if vocabulary is not None else []
    problems += unknown_skus(session, standard)
    if problems:
        raise InvalidStandard(f"standard {standard.id}: " + "; ".join(problems))
    existing = session.get(ActivityStandard, (activity_id, standard.version))
    if existing is not None:
        if existing.source == source:
            return existing
        raise Conflict(
            f"activity {activity_id!r} already has standard version {standard.version}; "
            "publish changes as a new version"
        )
    newest = latest_row(session, activity_id)
    if newest is not None and newest.version > standard.version:
        # The newest version scores new photos: an older number would be stored and never used.
        raise Conflict(
            f"activity {activity_id!r} is scored by standard version {newest.version}; "
            f"version {standard.version} would never be used: publish it as version "
            f"{newest.version + 1}"
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
    return load_stored_standard(row.source) if row is not None else None


def unreadable_standards(session: Session) -> list[tuple[str, str]]:
    """Newest stored standard versions today's rules refuse, as ``(activity@version, why)``:
    the newest one scores every new photo of its activity, so a refusal there leaves them
    unscored. Older versions never score again, so publishing a corrected one clears it."""
    problems = []
    newest = (
        select(ActivityStandard.activity_id, func.max(ActivityStandard.version).label("v"))
        .group_by(ActivityStandard.activity_id)
        .subquery()
    )
    for row in session.scalars(
        select(ActivityStandard)
        .join(
            newest,
            (ActivityStandard.activity_id == newest.c.activity_id)
            & (ActivityStandard.version == newest.c.v),
        )
        .order_by(ActivityStandard.activity_id)
    ):
        try:
            load_stored_standard(row.source)
        except InvalidInput as exc:
            problems.append((f"{row.activity_id}@{row.version}", exc.message))
    return problems
