"""Per-photo rules for photos captured in the period: bands, bonuses, penalties, holds.

Each rule first prices the photo (what it would pay, and the reasoning in words), then the
photo's standing decides the line: paid (``earn``/``bonus``), held (``hold``), or shown at
zero with why it was not paid. A missing field is an error for photos that would be paid or
held; for a photo not paid anyway (fraud, rejected) it only shortens the explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shelfaudit.commission.fields import (
    Missing,
    absent_criterion,
    field_label,
    lookup_criteria,
    lookup_number,
    missing_field,
)
from shelfaudit.commission.lines import LineKind, PayoutLine, new_line
from shelfaudit.commission.money import format_money
from shelfaudit.commission.periods import Period
from shelfaudit.commission.records import AuditedPhoto
from shelfaudit.commission.rules import (
    FraudPenaltyRule,
    MandatoryBonusRule,
    RuleSet,
    ScoreBandRule,
    VisitBandRule,
)
from shelfaudit.commission.standing import PhotoStanding, Standing, day


@dataclass(frozen=True)
class Price:
    amount: Decimal
    reasoning: str  # "score 82 → band 80–89 → ¥40"


def rule_ref(rule_set: RuleSet, rule_id: str) -> str:
    return f"{rule_set.key}/{rule_id}"


def photo_title(photo: AuditedPhoto) -> str:
    """``Store 114 (Lotte Mart Q7), Heineken stack, photo 5531 of 12 May 2026`` (the day
    where it was taken, as its visit counts it)."""
    return f"{photo.where}, photo {photo.photo_id} of {day(photo.visit_day)}"


def must_read(state: PhotoStanding) -> bool:
    return state.standing in (Standing.payable, Standing.held)


def band_price(
    rule: ScoreBandRule | VisitBandRule, photo: AuditedPhoto, rule_set: RuleSet, *, strict: bool
) -> Price | None:
    """The band's price; ``None`` when the field is missing and the rule skips (or not
    ``strict``). Raises ``MissingField`` when strict and the rule says ``missing: error``."""
    label = field_label(rule.field)
    value = lookup_number(photo, rule.field)
    if value is None:
        if strict and rule.missing is Missing.error:
            raise missing_field(photo, rule.field, rule_ref(rule_set, rule.id))
        return None
    rounded = rule.rounded(value)
    band = rule.band_for(value)
    if band is None:
        lowest = min(rule.bands, key=lambda b: b.min)
        where = f"below the lowest band {lowest.label}" if rounded < lowest.min else "in no band"
        return Price(Decimal(0), f"{label} {rounded} → {where} → nothing")
    money = format_money(band.amount, rule_set.currency)
    return Price(band.amount, f"{label} {rounded} → band {band.label} → {money}")


def missing_text(rule: ScoreBandRule | VisitBandRule | MandatoryBonusRule) -> str:
    what = field_label(rule.field) if not isinstance(rule, MandatoryBonusRule) else "criteria"
    return f"no {what}" + ("; the rule skips such photos" if rule.missing is Missing.skip else "")


def bonus_price(
    rule: MandatoryBonusRule, photo: AuditedPhoto, rule_set: RuleSet, *, strict: bool
) -> Price | None:
    found = lookup_criteria(photo, rule.criteria)
    if found is None:
        if strict and rule.missing is Missing.error:
            path = absent_criterion(photo, rule.criteria)
            raise missing_field(photo, path, rule_ref(rule_set, rule.id))
        return None
    failed = [c.name for c in found if not c.passed]
    if failed:
        noun = "criterion" if len(failed) == 1 else "criteria"
        return Price(Decimal(0), f"mandatory {noun} {', '.join(failed)} failed → no bonus")
    names = ", ".join(c.name for c in found)
    money = format_money(rule.amount, rule_set.currency)
    return Price(rule.amount, f"mandatory criteria met ({names}) → bonus {money}")


@dataclass(frozen=True)
class Priced:
    """One priced rule for one photo (or visit), before its standing turns it into a line."""

    rule_id: str
    kind: LineKind  # earn or bonus
    price: Price | None  # None: the field was missing and is not an error here
    missing: str  # what to say when price is None
    others: tuple[int, ...] = ()
    title: str | None = None


def priced_line(
    priced: Priced, *, photo: AuditedPhoto, state: PhotoStanding, rule_set: RuleSet, period: Period
) -> PayoutLine:
    """Paid when payable, held when held (and worth something), else shown at zero."""
    price = priced.price
    amount = price.amount if price is not None else Decimal(0)
    head = f"{priced.title or photo_title(photo)}: {price.reasoning if price else priced.missing}"
    kind, paid, held = priced.kind, Decimal(0), Decimal(0)
    if state.standing is Standing.payable:
        paid = amount
        explanation = head + (f" ({state.why})" if state.review is not None else "")
    elif state.standing is Standing.held and amount > 0:
        kind, held = LineKind.hold, amount
        explanation = f"{head}, held: {state.why}"
    else:
        verb = "held" if state.standing is Standing.held else "not paid"
        explanation = f"{head}; {verb}: {state.why}"
    return new_line(
        period=period,
        rule_set=rule_set,
        rule_id=priced.rule_id,
        kind=kind,
        photo=photo,
        amount=paid,
        held=held,
        others=priced.others,
        explanation=explanation,
    )


def price_photo(
    photo: AuditedPhoto, state: PhotoStanding, rule_set: RuleSet, period: Period
) -> list[PayoutLine]:
    """Every per-photo line of ``photo`` under ``rule_set`` (visit bands: ``visits.py``)."""
    strict = must_read(state)
    priced = [
        Priced(
            rule.id,
            LineKind.earn,
            band_price(rule, photo, rule_set, strict=strict),
            missing_text(rule),
        )
        for rule in rule_set.rules_of(ScoreBandRule)
        if rule.applies_to(photo.activity_id)
    ]
    priced += [
        Priced(
            rule.id,
            LineKind.bonus,
            bonus_price(rule, photo, rule_set, strict=strict),
            missing_text(rule),
        )
        for rule in rule_set.rules_of(MandatoryBonusRule)
        if rule.applies_to(photo.activity_id)
    ]
    lines = [
        priced_line(p, photo=photo, state=state, rule_set=rule_set, period=period) for p in priced
    ]
    return lines + penalty_lines(photo, state, rule_set, period)


def penalty_lines(
    photo: AuditedPhoto, state: PhotoStanding, rule_set: RuleSet, period: Period
) -> list[PayoutLine]:
    """Penalties for a standing fraud verdict, or a rejection for a listed reason."""
    lines = []
    for rule in rule_set.rules_of(FraudPenaltyRule):
        if rule.applies_to(photo.activity_id) and penalty_applies(rule, state):
            money = format_money(-rule.amount, rule_set.currency)
            explanation = f"{photo_title(photo)}: {state.why} → penalty {money}"
            lines.append(
                new_line(
                    period=period,
                    rule_set=rule_set,
                    rule_id=rule.id,
                    kind=LineKind.penalty,
                    photo=photo,
                    amount=-rule.amount,
                    explanation=explanation,
                )
            )
    return lines


def penalty_applies(rule: FraudPenaltyRule, state: PhotoStanding) -> bool:
    if state.standing is Standing.fraud:
        return True
    return (
        state.standing is Standing.rejected
        and state.review is not None
        and state.review.reason_code in rule.rejected_reasons
    )
