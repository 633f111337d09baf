"""Caps (per rep) and budgets (per activity, across reps) over calendar windows.

Photos are served in capture order, then by photo id, so the same photos always get the
same cuts whatever order they arrive in. What counts is money earned: paid plus held (a
hold reserves its room, so its release later needs none), after earlier cuts; penalties,
releases and clawbacks do not count. Earlier statements in the same window count through
their lines, so weekly statements respect a monthly cap. A cut takes held money first,
then paid money, and is a ``cap_cut`` line naming the cap or budget.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shelfaudit.commission.history import History
from shelfaudit.commission.lines import EARNING_KINDS, LineKind, PayoutLine, new_line
from shelfaudit.commission.money import format_money
from shelfaudit.commission.periods import Cadence, Period
from shelfaudit.commission.pricing import photo_title
from shelfaudit.commission.records import AuditedPhoto
from shelfaudit.commission.rules import BudgetRule, CapRule, RuleSet
from shelfaudit.commission.versions import RuleBook


class Usage:
    """Money earned so far, by rep and activity and by activity alone, per window."""

    def __init__(self, offset_min: int = 0) -> None:
        self._offset = offset_min  # the business's: windows start at its midnight
        self._rep: dict[tuple[str, str, Cadence, datetime], Decimal] = defaultdict(Decimal)
        self._activity: dict[tuple[str, Cadence, datetime], Decimal] = defaultdict(Decimal)

    def add(self, rep_id: str, activity_id: str, moment: datetime, value: Decimal) -> None:
        for cadence in Cadence:
            start = Period.containing(moment, cadence, self._offset).start
            self._rep[(rep_id, activity_id, cadence, start)] += value
            self._activity[(activity_id, cadence, start)] += value

    def of_cap(self, rule: CapRule, rule_set: RuleSet, photo: AuditedPhoto) -> Decimal:
        start = Period.containing(photo.captured_at, rule.period, self._offset).start
        if rule.per_activity:
            return self._rep[(photo.rep_id, photo.activity_id, rule.period, start)]
        scope = rule.activities or rule_set.activities
        return sum(
            (
                value
                for (rep, activity, cadence, at), value in self._rep.items()
                if (rep, cadence, at) == (photo.rep_id, rule.period, start)
                and (scope is None or activity in scope)
            ),
            Decimal(0),
        )

    def of_budget(self, rule: BudgetRule, photo: AuditedPhoto) -> Decimal:
        start = Period.containing(photo.captured_at, rule.period, self._offset).start
        return self._activity[(photo.activity_id, rule.period, start)]


@dataclass
class _Unit:
    photo: AuditedPhoto
    rule_set: RuleSet
    paid: Decimal
    held: Decimal


def apply_limits(
    rule_set_id: str,
    lines: Sequence[PayoutLine],
    photos: Mapping[int, AuditedPhoto],
    book: RuleBook,
    history: History,
    period: Period,
) -> list[PayoutLine]:
    """``cap_cut`` lines for this period's earning ``lines`` of one rule set."""
    usage = Usage(period.offset_min)
    for old in history.of_rule_set(rule_set_id):
        if old.kind in EARNING_KINDS:
            usage.add(old.rep_id, old.activity_id, old.visit_at, old.amount + old.held)
    cuts: list[PayoutLine] = []
    for unit in _units(rule_set_id, lines, photos, book):
        cuts.extend(_cut(unit, usage, period))
        photo = unit.photo
        usage.add(photo.rep_id, photo.activity_id, photo.captured_at, unit.paid + unit.held)
    return cuts


def _units(
    rule_set_id: str,
    lines: Sequence[PayoutLine],
    photos: Mapping[int, AuditedPhoto],
    book: RuleBook,
) -> list[_Unit]:
    units: dict[int, _Unit] = {}
    for line in lines:
        if line.rule_set_id != rule_set_id or line.kind not in EARNING_KINDS:
            continue
        unit = units.get(line.photo_id)
        if unit is None:
            rule_set = book.get(line.rule_set_id, line.rule_set_version)
            unit = _Unit(photos[line.photo_id], rule_set, Decimal(0), Decimal(0))
            units[line.photo_id] = unit
        unit.paid += line.amount
        unit.held += line.held
    return sorted(units.values(), key=lambda u: (u.photo.captured_at, u.photo.photo_id))


def _cut(unit: _Unit, usage: Usage, period: Period) -> list[PayoutLine]:
    photo, rule_set = unit.photo, unit.rule_set
    limits: list[CapRule | BudgetRule] = [
        *rule_set.rules_of(CapRule),
        *rule_set.rules_of(BudgetRule),
    ]
    cuts = []
    for rule in limits:
        if not rule.applies_to(photo.activity_id) or unit.paid + unit.held <= 0:
            continue
        if isinstance(rule, CapRule):
            used = usage.of_cap(rule, rule_set, photo)
        else:
            used = usage.of_budget(rule, photo)
        over = unit.paid + unit.held - max(Decimal(0), rule.amount - used)
        if over <= 0:
            continue
        from_held = min(over, unit.held)
        from_paid = over - from_held
        unit.held -= from_held
        unit.paid -= from_paid
        cuts.append(
            new_line(
                period=period,
                rule_set=rule_set,
                rule_id=rule.id,
                kind=LineKind.cap_cut,
                photo=photo,
                amount=-from_paid,
                held=-from_held,
                explanation=_explain(
                    rule, photo, rule_set, used, from_paid, from_held, period.offset_min
                ),
            )
        )
    return cuts


def _explain(
    rule: CapRule | BudgetRule,
    photo: AuditedPhoto,
    rule_set: RuleSet,
    used: Decimal,
    from_paid: Decimal,
    from_held: Decimal,
    offset_min: int,
) -> str:
    currency = rule_set.currency
    window = Period.containing(photo.captured_at, rule.period, offset_min).title
    limit = format_money(rule.amount, currency)
    activity = photo.activity_name or photo.activity_id
    if isinstance(rule, CapRule):
        scope = f" for {activity}" if rule.per_activity else ""
        what = f"{rule.period.value}ly cap of {limit} per rep{scope} in {window}"
    else:
        what = f"{window} budget of {limit} for {activity} across all reps"
    effects = []
    if from_paid:
        effects.append(format_money(-from_paid, currency))
    if from_held:
        effects.append(f"{format_money(from_held, currency)} less held")
    already = format_money(used, currency)
    return f"{photo_title(photo)}: {what}, {already} earned before → {', '.join(effects)}"
