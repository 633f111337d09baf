"""What the engine reads: audited photos as plain frozen records, built by the caller.

The engine never reaches for a database; the caller (a job or an endpoint) turns its rows
into these records. Every time is timezone-aware and normalised to UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shelfaudit.domain.fraud import Verdict
from shelfaudit.domain.times import AwareDatetime, UtcOffsetMinutes, local_date

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Decision(StrEnum):
    approved = "approved"
    rejected = "rejected"


class Review(BaseModel):
    """A person's decision on a photo. It counts from ``decided_at`` on, not before."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    decision: Decision
    decided_at: AwareDatetime
    reason_code: str | None = Field(default=None, description="e.g. duplicate, recapture")
    comment: str | None = None


class CriterionResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name
    mandatory: bool
    passed: bool


class AuditedPhoto(BaseModel):
    """One scored, fraud-checked photo of a display, as commission sees it.

    ``score`` is the display score 0-100, ``None`` when the photo has none (analysis failed,
    no scorecard for the activity). ``measures`` holds other numbers a band rule may read
    (``measures.share_of_shelf``). ``verdict_reason`` is the strongest fraud signal's message.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    photo_id: int = Field(ge=1)
    rep_id: Name
    store_id: Name
    store_name: str = ""
    activity_id: Name
    activity_name: str = ""
    captured_at: AwareDatetime
    captured_offset_min: UtcOffsetMinutes | None = Field(
        default=None, description="the UTC offset the phone sent: the visit's local day"
    )
    score: Decimal | None = Field(default=None, ge=0, le=100)
    measures: dict[str, Decimal] = Field(default_factory=dict)
    criteria: tuple[CriterionResult, ...] = ()
    verdict: Verdict = Verdict.clean
    verdict_reason: str | None = None
    review: Review | None = None
    repeat_of: int | None = Field(
        default=None,
        ge=1,
        description="an earlier photo with the same bytes from the same rep for the same store "
        "(an app's retry, or the same file sent twice): that one counts, this one is not paid "
        "again",
    )

    @model_validator(mode="after")
    def _unique_criteria(self) -> Self:
        names = [c.name for c in self.criteria]
        if len(names) != len(set(names)):
            raise ValueError(f"photo {self.photo_id} lists a criterion twice: {names}")
        return self

    @property
    def visit_day(self) -> date:
        """The date of the visit where it happened (the phone's UTC offset; UTC without
        one): picks the rule-set version and groups store visits. In UTC, a rep in UTC+7
        photographing a display at 06:50 and 07:10 made two visits, paid twice."""
        return local_date(self.captured_at, self.captured_offset_min)

    def review_as_of(self, moment: datetime) -> Review | None:
        """The decision known at ``moment``; one taken later does not count yet."""
        if self.review is not None and self.review.decided_at < moment:
            return self.review
        return None

    @property
    def where(self) -> str:
        """``Store 114 (Lotte Mart Q7), Heineken stack`` for explanations."""
        store = f"Store {self.store_id}" + (f" ({self.store_name})" if self.store_name else "")
        return f"{store}, {self.activity_name or self.activity_id}"
