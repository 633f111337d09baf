"""Rule sets as versioned data: uploaded as YAML or JSON, stored as written, activated.

A version is immutable once stored: a change is a new version. Uploading stores a
``draft`` (it can be simulated); activating checks it against the other active versions of
its id (no overlap, no gap) and from then on it prices photos. Parsed rule sets are cached
by their text, since versions never change.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.commission import RuleSet, check_versions, load_rule_set
from shelfaudit.commission.loader import Syntax
from shelfaudit.errors import Conflict, InvalidRuleSet, NotFound
from shelfaudit.review import audit
from shelfaudit.store.tables import RuleSetVersion, utcnow

log = logging.getLogger(__name__)


class RuleSetStatus(StrEnum):
    draft = "draft"  # stored and checked, can be simulated; pays nothing
    active = "active"  # prices photos on the days it is effective


@lru_cache(maxsize=256)
def _parse(source: str, syntax: Syntax, stored: bool = False) -> RuleSet:
    return load_rule_set(source, syntax=syntax, stored=stored)


def parsed(row: RuleSetVersion) -> RuleSet:
    """A stored version, read as published (``load_rule_set``'s ``stored``)."""
    return _parse(row.source, "json" if row.syntax == "json" else "yaml", stored=True)


def readable_active_rule_sets(session: Session) -> list[RuleSet]:
    """The active versions that load; one that does not is logged and left out. For what
    only informs (the amount at stake in the review queue): an analysis must never fail
    because a stored rule set does (``shelfaudit db check`` lists it)."""
    found = []
    for row, loaded in _load_active(session):
        if isinstance(loaded, InvalidRuleSet):
            log.warning(
                "active rule set %s@%s does not load: %s", row.rule_set_id, row.version, loaded
            )
        else:
            found.append(loaded)
    return found


def _load_active(session: Session) -> list[tuple[RuleSetVersion, RuleSet | InvalidRuleSet]]:
    rows = session.scalars(
        select(RuleSetVersion).where(RuleSetVersion.status == RuleSetStatus.active.value)
    )
    out: list[tuple[RuleSetVersion, RuleSet | InvalidRuleSet]] = []
    for row in rows:
        try:
            out.append((row, parsed(row)))
        except InvalidRuleSet as exc:
            out.append((row, exc))
    return out


def add_rule_set(
    session: Session, *, text: str, syntax: Syntax, actor: Principal
) -> RuleSetVersion:
    """Validate and store a draft. ``InvalidRuleSet`` says what is wrong and where;
    ``Conflict`` when this id and version exist (versions are immutable)."""
    rule_set = _parse(text, syntax)
    taken = session.scalar(
        select(RuleSetVersion.id).where(
            RuleSetVersion.rule_set_id == rule_set.id, RuleSetVersion.version == rule_set.version
        )
    )
    if taken is not None:
        raise Conflict(
            f"{rule_set.key} exists and cannot change: upload it as version "
            f"{_next_version(session, rule_set.id)}",
            field="version",
        )
    row = RuleSetVersion(
        rule_set_id=rule_set.id,
        version=rule_set.version,
        status=RuleSetStatus.draft.value,
        name=rule_set.name,
        currency=rule_set.currency,
        effective_from=rule_set.effective_from,
        effective_to=rule_set.effective_to,
        syntax=syntax,
        source=text,
        created_by=actor.name,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="rule_set_upload",
        subject=rule_set.key,
        after={"status": row.status, "effective_from": str(rule_set.effective_from)},
    )
    return row


def _next_version(session: Session, rule_set_id: str) -> int:
    versions = session.scalars(
        select(RuleSetVersion.version).where(RuleSetVersion.rule_set_id == rule_set_id)
    )
    return max(versions, default=0) + 1


def get_version(session: Session, rule_set_id: str, version: int) -> RuleSetVersion:
    row = session.scalar(
        select(RuleSetVersion).where(
            RuleSetVersion.rule_set_id == rule_set_id, RuleSetVersion.version == version
        )
    )
    if row is None:
        raise NotFound(f"rule set {rule_set_id}@{version} does not exist")
    return row


def list_versions(session: Session) -> list[RuleSetVersion]:
    query = select(RuleSetVersion).order_by(RuleSetVersion.rule_set_id, RuleSetVersion.version)
    return list(session.scalars(query))


def active_rule_sets(session: Session) -> list[RuleSet]:
    """Every active version of every rule set (old versions settle old payouts); ``Conflict``
    naming a stored version that no longer loads (nothing is paid on a partial rule book),
    unless a later active version starting no later replaces it (it is never in force)."""
    loaded_rows = _load_active(session)
    found = []
    for row, loaded in loaded_rows:
        if not isinstance(loaded, InvalidRuleSet):
            found.append(loaded)
        elif (by := _replaced_by(row, loaded_rows)) is not None:
            log.info("%s@%s does not load; %s replaces it", row.rule_set_id, row.version, by.key)
        else:
            raise Conflict(
                f"the active rule set {row.rule_set_id}@{row.version} no longer loads: "
                f"{loaded.message}. Publish a corrected version starting "
                f"{row.effective_from} and activate it: it replaces this one "
                "(shelfaudit db check lists such versions)"
            ) from loaded
    return found


def _replaced_by(
    row: RuleSetVersion, loaded_rows: list[tuple[RuleSetVersion, RuleSet | InvalidRuleSet]]
) -> RuleSet | None:
    """A loading active version of the same rule set, numbered higher, starting on or
    before ``row`` does: with it in force, ``row`` never is."""
    for _, other in loaded_rows:
        if (
            isinstance(other, RuleSet)
            and other.id == row.rule_set_id
            and other.version > row.version
            and other.effective_from <= row.effective_from
        ):
            return other
    return None


def activate(
    session: Session, *, rule_set_id: str, version: int, actor: Principal
) -> RuleSetVersion:
    """Make a draft pay from its effective date; refused when it would overlap or leave a
    gap with the active versions of its id."""
    row = get_version(session, rule_set_id, version)
    if row.status == RuleSetStatus.active:
        return row
    # Versions that no longer load are left out of the checks: a corrected version starting
    # the same day is how one is replaced (``active_rule_sets``).
    active = readable_active_rule_sets(session)
    check_versions([*active, parsed(row)])
    if version < max((r.version for r in active if r.id == rule_set_id), default=0):
        raise InvalidRuleSet(f"{rule_set_id}@{version} is older than an active version")
    row.status = RuleSetStatus.active.value
    row.activated_at = utcnow()
    audit.record(
        session,
        actor=actor,
        action="rule_set_activate",
        subject=f"{rule_set_id}@{version}",
        before={"status": RuleSetStatus.draft.value},
        after={"status": row.status},
    )
    return row


def unreadable_versions(session: Session) -> list[tuple[str, str]]:
    """Stored versions today's rules refuse, as ``(id@version [status], why)``: a version
    stored before a check was tightened would fail every payout run that reads it, so an
    upgrade runs ``shelfaudit db check`` and publishes a corrected version first."""
    problems = []
    for row in list_versions(session):
        try:
            parsed(row)
        except InvalidRuleSet as exc:
            problems.append((f"{row.rule_set_id}@{row.version} [{row.status}]", exc.message))
    return problems
