"""What one photo pays on its own, for the review screens and the queue's sort.

``photo_preview`` runs the engine on the photo alone over the month of its visit (stretched
to include a later decision), as it stands now (held, paid, penalised): the lines a
reviewer's decision will change.
``amount_at_stake`` prices it as if approved: what a decision is worth. Both leave out caps
and budgets shared with the rep's other photos, which only a statement run can apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from shelfaudit.commission import (
    AuditedPhoto,
    Cadence,
    LineKind,
    PayoutLine,
    Period,
    RuleSet,
    evaluate,
)
from shelfaudit.commission.rules import (
    FraudPenaltyRule,
    MandatoryBonusRule,
    ScoreBandRule,
    VisitBandRule,
)
from shelfaudit.commission.versions import RuleBook
from shelfaudit.domain.fraud import Verdict
from shelfaudit.errors import CommissionError

_EARNING = (LineKind.earn, LineKind.bonus, LineKind.hold)


@dataclass(frozen=True)
class Preview:
    lines: tuple[PayoutLine, ...]
    problem: str | None = None  # why the engine could not price it (a missing field)


def photo_preview(
    photo: AuditedPhoto, rule_sets: Sequence[RuleSet], offset_min: int = 0
) -> Preview:
    """What ``photo`` pays in its month (the business's, ``offset_min`` east of UTC)."""
    period = Period.containing(photo.captured_at, Cadence.month, offset_min)
    if photo.review is not None and photo.review.decided_at >= period.end:
        # A decision taken after the visit's month counts here: the preview answers "what
        # does this photo pay now", which the statement run spreads over two periods.
        end = photo.review.decided_at + timedelta(seconds=1)
        period = Period.between(period.start, end, offset_min)
    try:
        statements = evaluate([photo], rule_sets, period)
    except CommissionError as exc:
        return Preview(lines=(), problem=exc.message)
    return Preview(lines=tuple(line for s in statements for line in s.lines))


@dataclass(frozen=True)
class Stake:
    amount: Decimal
    currency: str | None
    exact: bool  # False: the most the photo could earn (its score is not known yet)


def amount_at_stake(
    photo: AuditedPhoto, rule_sets: Sequence[RuleSet], offset_min: int = 0
) -> Stake:
    """What the person's decision moves: what approval pays, and for a photo judged fraud
    also the penalty it carries unless approved (the queue showed ₫0 at stake for a photo
    whose page showed a ₫100,000 penalty)."""
    stake = _approval_pays(photo, rule_sets, offset_min)
    if photo.verdict is not Verdict.fraud:
        return stake
    penalty = Decimal(0)
    for rule_set in _in_force(photo, rule_sets):
        for rule in rule_set.rules:
            if isinstance(rule, FraudPenaltyRule) and rule.applies_to(photo.activity_id):
                penalty = max(penalty, rule.amount)
    return Stake(
        amount=stake.amount + penalty,
        currency=stake.currency or _currency(photo, rule_sets),
        exact=stake.exact,
    )


def _approval_pays(photo: AuditedPhoto, rule_sets: Sequence[RuleSet], offset_min: int) -> Stake:
    approved = photo.model_copy(update={"verdict": Verdict.clean, "review": None})
    preview = photo_preview(approved, rule_sets, offset_min)
    if preview.problem is None:
        earned = [line for line in preview.lines if line.kind in _EARNING]
        amount = sum((line.amount + line.held for line in earned), Decimal(0))
        currency = earned[0].currency if earned else _currency(photo, rule_sets)
        return Stake(amount=amount, currency=currency, exact=True)
    return _most_possible(photo, rule_sets)


def _in_force(photo: AuditedPhoto, rule_sets: Sequence[RuleSet]) -> tuple[RuleSet, ...]:
    try:
        return RuleBook(rule_sets).for_photo(photo)
    except CommissionError:
        return ()


def _currency(photo: AuditedPhoto, rule_sets: Sequence[RuleSet]) -> str | None:
    found = _in_force(photo, rule_sets)
    return found[0].currency if found else None


def _most_possible(photo: AuditedPhoto, rule_sets: Sequence[RuleSet]) -> Stake:
    total, currency = Decimal(0), None
    for rule_set in _in_force(photo, rule_sets):
        currency = currency or rule_set.currency
        for rule in rule_set.rules:
            if isinstance(rule, ScoreBandRule | VisitBandRule | MandatoryBonusRule) and (
                rule.applies_to(photo.activity_id)
            ):
                total += max(rule.amounts(), default=Decimal(0))
    return Stake(amount=total, currency=currency, exact=False)


def band_edges(photo: AuditedPhoto, rule_sets: Sequence[RuleSet]) -> list[Decimal]:
    """The score thresholds (band minimums) that decide this photo's pay."""
    edges: list[Decimal] = []
    for rule_set in _in_force(photo, rule_sets):
        for rule in rule_set.rules:
            if (
                isinstance(rule, ScoreBandRule | VisitBandRule)
                and rule.field == "score"
                and rule.applies_to(photo.activity_id)
            ):
                edges.extend(band.min for band in rule.bands)
    return edges
