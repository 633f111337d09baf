"""Payout lines: the unit a statement is made of, stored by the caller as the payout history.

Every line names the rule set version and the rule behind it and explains itself in one
sentence. Two amounts per line:

- ``amount``: money paid (positive) or taken back (negative) by this line;
- ``held``: change in money on hold (a hold line holds the amount at stake; its release
  or lapse later takes it off hold again).

``photo_ids[0]`` is the photo the money is attached to (for a store visit, the best photo;
the visit's other photos follow). ``line_id`` is stable: evaluating the same period again
gives the same ids, so the caller can upsert by it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.commission.money import quantize
from shelfaudit.commission.periods import Period
from shelfaudit.commission.records import AuditedPhoto
from shelfaudit.commission.rules import RuleSet
from shelfaudit.domain.times import AwareDatetime, UtcOffsetMinutes, local_date


class LineKind(StrEnum):
    """In the order a photo's lines are listed on a statement."""

    earn = "earn"  # a band paid (or, at zero, why it did not)
    bonus = "bonus"
    hold = "hold"  # held while under review: amount 0, held = the amount at stake
    cap_cut = "cap_cut"  # a cap or budget took this much off
    release = "release"  # a hold settled: paid out when approved, dropped when rejected
    clawback = "clawback"
    penalty = "penalty"
    clawback_refund = "clawback_refund"  # a clawback paid back: the rejection was overturned
    penalty_refund = "penalty_refund"  # a penalty paid back: the rejection was overturned


# Kinds whose money counts against caps and budgets (holds reserve their room).
EARNING_KINDS = frozenset({LineKind.earn, LineKind.bonus, LineKind.hold, LineKind.cap_cut})


class PayoutLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    line_id: str
    period_start: AwareDatetime
    period_end: AwareDatetime
    rep_id: str
    store_id: str
    activity_id: str
    photo_ids: tuple[int, ...] = Field(min_length=1)
    visit_at: AwareDatetime = Field(description="capture time of photo_ids[0]")
    visit_offset_min: UtcOffsetMinutes | None = Field(
        default=None, description="the UTC offset its phone sent with visit_at"
    )
    rule_set_id: str
    rule_set_version: int
    rule_id: str
    kind: LineKind
    currency: str
    amount: Decimal
    held: Decimal = Decimal(0)
    refers_to: tuple[str, ...] = Field(
        default=(),
        description="line ids this one settles (a release its holds, a clawback "
        "the lines that paid)",
    )
    explanation: str

    @property
    def photo_id(self) -> int:
        return self.photo_ids[0]

    @property
    def visit_day(self) -> date:
        """The visit's local day, as ``AuditedPhoto.visit_day`` has it."""
        return local_date(self.visit_at, self.visit_offset_min)

    @property
    def rule_set_key(self) -> str:
        return f"{self.rule_set_id}@{self.rule_set_version}"


def new_line(
    *,
    period: Period,
    rule_set: RuleSet,
    rule_id: str,
    kind: LineKind,
    photo: AuditedPhoto,
    explanation: str,
    amount: Decimal = Decimal(0),
    held: Decimal = Decimal(0),
    others: tuple[int, ...] = (),
    refers_to: tuple[str, ...] = (),
) -> PayoutLine:
    """A line attached to ``photo`` (``others``: further photos it covers, e.g. a visit's)."""
    photo_ids = (photo.photo_id, *sorted(set(others) - {photo.photo_id}))
    return PayoutLine(
        line_id=f"{period.label}/{rule_set.key}/{rule_id}/{kind}/{photo.photo_id}",
        period_start=period.start,
        period_end=period.end,
        rep_id=photo.rep_id,
        store_id=photo.store_id,
        activity_id=photo.activity_id,
        photo_ids=photo_ids,
        visit_at=photo.captured_at,
        visit_offset_min=photo.captured_offset_min,
        rule_set_id=rule_set.id,
        rule_set_version=rule_set.version,
        rule_id=rule_id,
        kind=kind,
        currency=rule_set.currency,
        amount=quantize(amount, rule_set.currency) + 0,  # + 0 turns -0 into 0
        held=quantize(held, rule_set.currency) + 0,
        refers_to=refers_to,
        explanation=explanation,
    )


def sort_key(line: PayoutLine) -> tuple[datetime, str, int, str, str, str]:
    """Statement order: by visit, then photo, then rule set, kind and rule."""
    order = list(LineKind)
    return (
        line.visit_at,
        line.store_id,
        line.photo_id,
        line.rule_set_key,
        f"{order.index(line.kind):02d}",
        line.rule_id,
    )


def photos_named(lines: Iterable[PayoutLine]) -> set[int]:
    """Every photo the lines name (a visit's line names all its photos)."""
    return {photo_id for line in lines for photo_id in line.photo_ids}
