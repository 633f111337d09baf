"""Simulation: a draft rule set over a past period against the active versions, per rep.

Nothing is paid or stored: both sides are plain ``evaluate`` runs. The draft is in force
for the whole period whatever its effective dates say (a draft for next month can be tried
on last month); earlier payouts settle under the versions that priced them on both sides.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from shelfaudit.commission.evaluate import evaluate_book
from shelfaudit.commission.lines import PayoutLine
from shelfaudit.commission.periods import Period
from shelfaudit.commission.records import AuditedPhoto
from shelfaudit.commission.rules import RuleSet
from shelfaudit.commission.statement import Statement
from shelfaudit.commission.versions import RuleBook


class LineChange(BaseModel):
    """One line that differs: ``before`` under the active rules, ``after`` under the draft."""

    model_config = ConfigDict(frozen=True)

    key: str  # rule set / rule / kind / photo, without version or period
    before: PayoutLine | None
    after: PayoutLine | None
    delta: Decimal


class RepDiff(BaseModel):
    model_config = ConfigDict(frozen=True)

    rep_id: str
    currency: str
    old_total: Decimal
    new_total: Decimal
    delta: Decimal
    old_held: Decimal
    new_held: Decimal
    changes: tuple[LineChange, ...]
    # The rep's statement as the period's last run stored it (None: not run, or nothing for
    # this rep). ``old_total`` is what the active rules pay today: decisions taken and photos
    # sent since that run make the two differ.
    stored_total: Decimal | None = None


def simulate(
    photos: Iterable[AuditedPhoto],
    *,
    active: Iterable[RuleSet],
    draft: RuleSet,
    period: Period,
    prior_payouts: Iterable[PayoutLine] = (),
    late: Collection[int] = (),
) -> list[RepDiff]:
    """Per rep and currency: totals under ``active`` and under ``draft``, and changed lines.

    Reps whose lines are identical on both sides are left out. ``late``: as ``evaluate``'s.
    """
    photos, prior = list(photos), list(prior_payouts)
    active = list(active)
    before = evaluate_book(photos, RuleBook(active), period, prior, late)
    after = evaluate_book(photos, RuleBook(active, draft=draft), period, prior, late)
    return diff_statements(before, after)


def _line_key(line: PayoutLine) -> str:
    return f"{line.rule_set_id}/{line.rule_id}/{line.kind}/{line.photo_id}"


def diff_statements(before: Sequence[Statement], after: Sequence[Statement]) -> list[RepDiff]:
    old = {(s.rep_id, s.currency): s for s in before}
    new = {(s.rep_id, s.currency): s for s in after}
    diffs = []
    for rep_id, currency in sorted(old.keys() | new.keys()):
        was, now = old.get((rep_id, currency)), new.get((rep_id, currency))
        changes = _changes(was.lines if was else (), now.lines if now else ())
        if not changes:
            continue
        old_total = was.total if was else Decimal(0)
        new_total = now.total if now else Decimal(0)
        diffs.append(
            RepDiff(
                rep_id=rep_id,
                currency=currency,
                old_total=old_total,
                new_total=new_total,
                delta=new_total - old_total,
                old_held=was.held if was else Decimal(0),
                new_held=now.held if now else Decimal(0),
                changes=changes,
            )
        )
    return diffs


def _changes(before: Sequence[PayoutLine], after: Sequence[PayoutLine]) -> tuple[LineChange, ...]:
    old = {_line_key(line): line for line in before}
    new = {_line_key(line): line for line in after}
    changes = []
    for key in sorted(old.keys() | new.keys()):
        was, now = old.get(key), new.get(key)
        if was and now and (was.amount, was.held) == (now.amount, now.held):
            continue
        delta = (now.amount if now else Decimal(0)) - (was.amount if was else Decimal(0))
        changes.append(LineChange(key=key, before=was, after=now, delta=delta))
    return tuple(changes)
