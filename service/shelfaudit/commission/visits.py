"""Visit bands: one payment per store visit (rep + store + local day: the phone's UTC
offset, else UTC), from its best photo.

The best photo is the one with the highest value (rounded as the rule says), then the
earliest, then the lowest id. Only payable photos are paid now. When a photo under review
would pay more than the best payable one, the difference is held, and released if it is
approved; photos with a fraud verdict or rejected never count for the visit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby

from shelfaudit.commission.fields import lookup_number
from shelfaudit.commission.lines import LineKind, PayoutLine
from shelfaudit.commission.money import format_money
from shelfaudit.commission.periods import Period
from shelfaudit.commission.pricing import Price, Priced, band_price, missing_text, priced_line
from shelfaudit.commission.records import AuditedPhoto
from shelfaudit.commission.rules import RuleSet, VisitBandRule
from shelfaudit.commission.standing import PhotoStanding, Standing, day


@dataclass(frozen=True)
class _Candidate:
    photo: AuditedPhoto
    state: PhotoStanding
    price: Price
    value: Decimal

    def order(self) -> tuple[Decimal, datetime, int]:
        return (-self.value, self.photo.captured_at, self.photo.photo_id)


def _visit_key(item: tuple[AuditedPhoto, PhotoStanding]) -> tuple[str, str, date]:
    photo = item[0]
    return (photo.rep_id, photo.store_id, photo.visit_day)


def price_visits(
    photos: Sequence[tuple[AuditedPhoto, PhotoStanding]], rule_set: RuleSet, period: Period
) -> list[PayoutLine]:
    """Lines of every visit band rule of ``rule_set`` over ``photos`` (all under it)."""
    lines: list[PayoutLine] = []
    for rule in rule_set.rules_of(VisitBandRule):
        members = sorted(
            (item for item in photos if rule.applies_to(item[0].activity_id)),
            key=lambda item: (_visit_key(item), item[0].captured_at, item[0].photo_id),
        )
        for _, visit in groupby(members, key=_visit_key):
            lines.extend(_visit_lines(rule, list(visit), rule_set, period))
    return lines


def _candidates(
    rule: VisitBandRule,
    visit: list[tuple[AuditedPhoto, PhotoStanding]],
    rule_set: RuleSet,
    standing: Standing,
) -> list[_Candidate]:
    found = []
    for photo, state in visit:
        if state.standing is not standing:
            continue
        price = band_price(rule, photo, rule_set, strict=True)
        value = lookup_number(photo, rule.field)
        if price is not None and value is not None:
            found.append(_Candidate(photo, state, price, rule.rounded(value)))
    return sorted(found, key=_Candidate.order)


def _visit_lines(
    rule: VisitBandRule,
    visit: list[tuple[AuditedPhoto, PhotoStanding]],
    rule_set: RuleSet,
    period: Period,
) -> list[PayoutLine]:
    ids = tuple(photo.photo_id for photo, _ in visit)
    payable = _candidates(rule, visit, rule_set, Standing.payable)
    held = _candidates(rule, visit, rule_set, Standing.held)

    def line(best: AuditedPhoto, state: PhotoStanding, price: Price | None) -> PayoutLine:
        title = f"{best.where}, visit on {day(best.visit_day)}"
        if len(ids) > 1:
            title += f", photo {best.photo_id} best of {len(ids)}"
        else:
            title += f", photo {best.photo_id}"
        priced = Priced(rule.id, LineKind.earn, price, missing_text(rule), ids, title)
        return priced_line(priced, photo=best, state=state, rule_set=rule_set, period=period)

    lines = []
    paid = Decimal(0)
    if payable:
        top = payable[0]
        lines.append(line(top.photo, top.state, top.price))
        paid = top.price.amount
    if held and held[0].price.amount > paid:
        top = held[0]
        reasoning = top.price.reasoning
        if payable:
            extra = format_money(top.price.amount - paid, rule_set.currency)
            reasoning += f"; {extra} more than photo {payable[0].photo.photo_id} pays"
        extra_price = Price(top.price.amount - paid, reasoning)
        lines.append(line(top.photo, top.state, extra_price))
    if not lines:
        first, state = visit[0]
        lines.append(line(first, state, band_price(rule, first, rule_set, strict=False)))
    return lines
