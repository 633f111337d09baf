"""Where a photo stands for payment at a moment, and how to say it in words.

Order of precedence: a reviewer's rejection; then a repeat of an earlier photo's file by
the same rep for the same store is never paid again (nor penalised: an app's retry is
honest); then a reviewer's approval (taken before the moment) beats the machine verdict;
then a ``review_hold`` rule holds the verdicts it names; an unheld ``fraud`` verdict is not
paid; everything else is payable (a ``review`` verdict too, when the rule set has no hold
rule: that scheme pays first and claws back on rejection).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from shelfaudit.commission.records import AuditedPhoto, Decision, Review
from shelfaudit.commission.rules import ReviewHoldRule, RuleSet
from shelfaudit.domain.fraud import Verdict
from shelfaudit.domain.times import local_date


class Standing(StrEnum):
    payable = "payable"
    held = "held"
    fraud = "fraud"
    rejected = "rejected"
    repeat = "repeat"  # the same file as an earlier photo, which counts instead


@dataclass(frozen=True)
class PhotoStanding:
    standing: Standing
    why: str  # "under review (…)", "fraud verdict (…)", "rejected on 12 May 2026 (…)"
    review: Review | None = None
    hold_rule: ReviewHoldRule | None = None


def day(value: date | datetime) -> str:
    """``12 May 2026``."""
    return f"{value.day} {value:%B %Y}"


def decision_text(review: Review, offset_min: int | None = None) -> str:
    """``rejected on 12 May 2026, duplicate: duplicate of photo 5531``; the day in
    ``offset_min`` (the photo's phone's: where the rep reads it), else UTC."""
    detail = ": ".join(p for p in (review.reason_code, review.comment) if p)
    when = day(local_date(review.decided_at, offset_min))
    return f"{review.decision} on {when}" + (f", {detail}" if detail else "")


def _verdict_text(photo: AuditedPhoto) -> str:
    what = "under review" if photo.verdict is Verdict.review else f"{photo.verdict} verdict"
    return what + (f" ({photo.verdict_reason.rstrip('.')})" if photo.verdict_reason else "")


def standing_of(photo: AuditedPhoto, rule_set: RuleSet, *, as_of: datetime) -> PhotoStanding:
    """Where ``photo`` stands under ``rule_set`` counting decisions taken before ``as_of``."""
    review = photo.review_as_of(as_of)
    if photo.repeat_of is not None and not (review and review.decision is Decision.rejected):
        return PhotoStanding(
            Standing.repeat, f"the same file as photo {photo.repeat_of}, which counts instead"
        )
    if review is not None:
        state = Standing.payable if review.decision is Decision.approved else Standing.rejected
        text = decision_text(review, photo.captured_offset_min)
        return PhotoStanding(state, text, review=review)
    holds = rule_set.rules_of(ReviewHoldRule)
    hold = next(
        (h for h in holds if h.applies_to(photo.activity_id) and photo.verdict in h.verdicts),
        None,
    )
    if hold is not None:
        return PhotoStanding(Standing.held, _verdict_text(photo), hold_rule=hold)
    if photo.verdict is Verdict.fraud:
        return PhotoStanding(Standing.fraud, _verdict_text(photo))
    return PhotoStanding(Standing.payable, _verdict_text(photo))
