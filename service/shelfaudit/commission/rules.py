"""Rule sets as data: the models that YAML and JSON load into, with their validation.

A rule set is one versioned, dated scheme in one currency. Amounts are written positive;
the rule kind gives the sign (a penalty of 100000 takes 100000 off). Every amount must fit
the currency's minor unit (no ``40.005`` CNY, no ``0.5`` VND). Rule kinds:

- ``score_band``: per photo, the band its score (or another number field) falls in pays the
  band's amount; below every band, nothing.
- ``visit_band``: per store visit (rep + store + the day where it happened: the phone's UTC
  offset, else UTC): one payment, from the best photo.
- ``mandatory_bonus``: per photo, paid when every mandatory (or every named) criterion passed.
- ``fraud_penalty``: per photo with a ``fraud`` verdict that no reviewer approved, or one
  rejected for a listed reason code.
- ``review_hold``: photos with one of these verdicts and no decision yet earn nothing now;
  the amount at stake is shown as held and released once approved.
- ``clawback``: a paid photo later rejected is clawed back on the next statement.
- ``cap``: at most ``amount`` per rep per month or week (per activity unless told otherwise).
- ``budget``: at most ``amount`` per activity per month or week across all reps, first come
  (by capture time, then photo id) first served.

See ``examples/commission/heineken_2026.yaml`` for all of them in one file.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import Annotated, Literal, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    model_validator,
)

from shelfaudit.commission.fields import Missing, check_criterion_name, check_number_field
from shelfaudit.commission.money import fits_minor_unit, is_known_currency, minor_unit
from shelfaudit.commission.periods import Cadence
from shelfaudit.domain.fraud import Verdict
from shelfaudit.domain.reasons import REJECT_REASONS

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", min_length=1, max_length=64)
]
ActivityId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


# Beyond any payout (a quadrillion in any currency) and within Decimal's working precision.
MAX_AMOUNT = Decimal(10) ** 15
MAX_VERSION = 2**31 - 1  # the version column is a 32-bit integer


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite() or abs(value) >= MAX_AMOUNT:
        raise ValueError(f"{value} is not a finite number below {MAX_AMOUNT:,}")
    return value


def _not_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError(
            f"amount {value} is negative: write amounts positive, the rule kind gives the sign"
        )
    return value


def _in_range(day: date) -> date:
    if not date(1970, 1, 1) <= day <= date(9997, 12, 31):
        raise ValueError(f"{day} is outside 1970-01-01 to 9997-12-31")
    return day


Amount = Annotated[Decimal, AfterValidator(_finite), AfterValidator(_not_negative)]
RuleDate = Annotated[date, AfterValidator(_in_range)]


def _rejection_code(code: str) -> str:
    # A misspelt code would never match a decision, so the rule would never fire.
    if code not in {str(r) for r in REJECT_REASONS}:
        raise ValueError(
            f"{code!r} is not a rejection reason; use one of {', '.join(REJECT_REASONS)}"
        )
    return code


RejectReason = Annotated[str, AfterValidator(_rejection_code)]
Bound = Annotated[Decimal, AfterValidator(_finite)]
NumberField = Annotated[str, AfterValidator(check_number_field)]
CriterionName = Annotated[str, AfterValidator(check_criterion_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# Validation context key: a version published before is being read back (see
# ``loader.load_rule_set``); checks that only catch typos at publication skip it.
STORED = "stored"


def stored(info: ValidationInfo) -> bool:
    return bool(info.context and info.context.get(STORED))


class Band(_Strict):
    """``min`` and ``max`` are both inclusive, like people write them: 80–89."""

    min: Bound
    max: Bound
    amount: Amount

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min > self.max:
            raise ValueError(f"band {self.label}: min is above max")
        return self

    @property
    def label(self) -> str:
        return f"{self.min}–{self.max}"


class RuleBase(_Strict):
    id: Slug
    description: str = Field(default="", max_length=2000)
    # An empty list would make the rule apply to nothing, silently: refused (min_length).
    activities: tuple[ActivityId, ...] | None = Field(
        default=None,
        min_length=1,
        description="activity ids this rule applies to; absent: all of the set's",
    )

    def applies_to(self, activity_id: str) -> bool:
        return self.activities is None or activity_id in self.activities

    def amounts(self) -> tuple[Decimal, ...]:
        return ()


class _BandRule(RuleBase):
    """Bands over a number field. The value is rounded half-up to ``decimals`` first (a
    displayed 89.5 reads as 90), so integer bands 80–89 and 90–100 leave no gap between."""

    field: NumberField = "score"
    decimals: int = Field(default=0, ge=0, le=4)
    missing: Missing = Missing.error
    bands: tuple[Band, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands_fit(self, info: ValidationInfo) -> Self:
        step = Decimal(1).scaleb(-self.decimals)
        for band in self.bands:
            for bound in (band.min, band.max):
                if bound.quantize(step) != bound:
                    raise ValueError(
                        f"band {band.label}: bounds need at most {self.decimals} decimals "
                        f"(set 'decimals' on the rule)"
                    )
        ordered = sorted(self.bands, key=lambda b: b.min)
        for low, high in pairwise(ordered):
            if high.min <= low.max:
                raise ValueError(f"bands {low.label} and {high.label} overlap")
            if high.min > low.max + step and not stored(info):
                # Below the lowest band pays nothing on purpose; a hole between bands is
                # almost always a typo (60-69 then 71-100 would pay nothing for 70).
                raise ValueError(
                    f"bands {low.label} and {high.label} leave {low.max + step}–"
                    f"{high.min - step} unpaid; make them meet, or add that band with "
                    "amount 0"
                )
        return self

    def rounded(self, value: Decimal) -> Decimal:
        return value.quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)

    def band_for(self, value: Decimal) -> Band | None:
        """The band holding ``value`` after rounding, or ``None`` (below the threshold)."""
        rounded = self.rounded(value)
        return next((b for b in self.bands if b.min <= rounded <= b.max), None)

    def amounts(self) -> tuple[Decimal, ...]:
        return tuple(b.amount for b in self.bands)


class ScoreBandRule(_BandRule):
    kind: Literal["score_band"]


class VisitBandRule(_BandRule):
    """One payment per store visit (rep + store + local day: the phone's UTC offset, else
    UTC) from the visit's best photo."""

    kind: Literal["visit_band"]


class MandatoryBonusRule(RuleBase):
    """Paid per photo when every criterion in ``criteria`` (default: every mandatory one)
    passed."""

    kind: Literal["mandatory_bonus"]
    amount: Amount
    criteria: tuple[CriterionName, ...] | None = Field(default=None, min_length=1)
    missing: Missing = Missing.error

    def amounts(self) -> tuple[Decimal, ...]:
        return (self.amount,)


class FraudPenaltyRule(RuleBase):
    """Taken off per photo with a standing ``fraud`` verdict, or rejected by a reviewer with
    one of ``rejected_reasons`` (then on the statement after the decision)."""

    kind: Literal["fraud_penalty"]
    amount: Amount
    rejected_reasons: tuple[RejectReason, ...] = ()

    def amounts(self) -> tuple[Decimal, ...]:
        return (self.amount,)


class ReviewHoldRule(RuleBase):
    """Photos with one of ``verdicts`` and no decision yet are held, not paid."""

    kind: Literal["review_hold"]
    verdicts: tuple[Verdict, ...] = Field(default=(Verdict.review,), min_length=1)

    @model_validator(mode="after")
    def _not_clean(self) -> Self:
        if Verdict.clean in self.verdicts:
            raise ValueError("a review hold cannot hold clean photos")
        return self


class ClawbackRule(RuleBase):
    """A photo paid earlier and rejected since is clawed back in full on the next statement.
    ``reason_codes`` limits it to those rejection reasons; ``within_days`` to decisions taken
    at most that many days after the visit."""

    kind: Literal["clawback"]
    reason_codes: tuple[RejectReason, ...] | None = Field(default=None, min_length=1)
    within_days: int | None = Field(default=None, ge=1, le=3660)  # at most ten years


class CapRule(RuleBase):
    """At most ``amount`` earned (paid plus held) per rep per window."""

    kind: Literal["cap"]
    amount: Amount
    period: Cadence
    per_activity: bool = True

    def amounts(self) -> tuple[Decimal, ...]:
        return (self.amount,)


class BudgetRule(RuleBase):
    """At most ``amount`` earned per activity per window, across every rep."""

    kind: Literal["budget"]
    amount: Amount
    period: Cadence

    def amounts(self) -> tuple[Decimal, ...]:
        return (self.amount,)


Rule = Annotated[
    ScoreBandRule
    | VisitBandRule
    | MandatoryBonusRule
    | FraudPenaltyRule
    | ReviewHoldRule
    | ClawbackRule
    | CapRule
    | BudgetRule,
    Field(discriminator="kind"),
]
PricingRule = ScoreBandRule | VisitBandRule | MandatoryBonusRule
LimitRule = CapRule | BudgetRule

R = TypeVar("R", bound=RuleBase)


class RuleSet(_Strict):
    """One version of a scheme. ``effective_to`` is inclusive (the last day it applies);
    absent, the version runs until the next one starts."""

    id: Slug
    version: int = Field(ge=1, le=MAX_VERSION)
    name: str = Field(default="", max_length=200)
    currency: str
    effective_from: RuleDate
    effective_to: RuleDate | None = None
    activities: tuple[ActivityId, ...] | None = Field(
        default=None,
        min_length=1,
        description="activity ids this scheme pays for; absent: every activity",
    )
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not is_known_currency(self.currency):
            raise ValueError(f"unknown currency {self.currency!r} (an ISO 4217 code, e.g. VND)")
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"effective_to {self.effective_to} is before effective_from {self.effective_from}"
            )
        ids = [r.id for r in self.rules]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"rule ids must be unique; repeated: {', '.join(twice)}")
        for kind in ("review_hold", "clawback"):
            if sum(r.kind == kind for r in self.rules) > 1:
                raise ValueError(f"at most one {kind} rule per rule set")
        for rule in self.rules:
            self._check_rule(rule)
        return self

    def _check_rule(self, rule: RuleBase) -> None:
        for amount in rule.amounts():
            if not fits_minor_unit(amount, self.currency):
                raise ValueError(
                    f"rule {rule.id}: amount {amount} is finer than {self.currency} allows "
                    f"({minor_unit(self.currency)})"
                )
        if self.activities is not None and rule.activities is not None:
            stray = sorted(set(rule.activities) - set(self.activities))
            if stray:
                raise ValueError(
                    f"rule {rule.id} names activities the rule set does not cover: {stray}"
                )

    @property
    def key(self) -> str:
        """``heineken_2026@3``: how lines and statements name this version."""
        return f"{self.id}@{self.version}"

    def covers(self, activity_id: str) -> bool:
        return self.activities is None or activity_id in self.activities

    def rules_of(self, kind: type[R]) -> tuple[R, ...]:
        """The rules of one kind, ordered by id so evaluation never depends on file order."""
        return tuple(sorted((r for r in self.rules if isinstance(r, kind)), key=lambda r: r.id))
