"""Who goes to the review queue, how risky they are and how much money hangs on them.

A photo is queued when its fraud verdict is ``review`` or ``fraud`` (fraud is penalised
only once a person confirms it), when the detector was unsure of the boxes its display
score counts (mean box confidence below ``review_confidence_below``), or when its display
score lies within ``review_threshold_margin`` points of a pay band's minimum. Queue order
is risk (the fraud score) first, then the amount at stake. Runs after every analysis, in
its transaction.

The recapture model's own doubt is not a reason here: its ``uncertain`` band already makes
the verdict ``review``. Counted as confidence |2p - 1|, it queued every genuine photo with
p between 0.2 and 0.8, most of them (72 of 134 honest photos in an audit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.commission import RuleSet
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.domain.fraud import Verdict
from shelfaudit.payouts.inputs import audited_photo, repeat_of
from shelfaudit.payouts.preview import amount_at_stake, band_edges
from shelfaudit.payouts.rule_store import readable_active_rule_sets
from shelfaudit.review.analysis_view import (
    display_score,
    fraud_score,
    latest_analysis,
    scoring_confidence,
    verdict_of,
)
from shelfaudit.review.vocabulary import ItemState, QueueReason
from shelfaudit.settings import Settings
from shelfaudit.store.tables import Activity, Photo, PhotoReview, ReviewItem, Store, utcnow


@dataclass(frozen=True)
class TriageConfig:
    confidence_below: float = 0.6
    threshold_margin: float = 3.0
    business_offset_min: int = 0  # the month a photo's stake is priced in starts at its midnight

    @classmethod
    def from_settings(cls, settings: Settings) -> TriageConfig:
        return cls(
            confidence_below=settings.review_confidence_below,
            threshold_margin=settings.review_threshold_margin,
            business_offset_min=settings.business_offset_min,
        )


def queue_reasons(
    checks: dict[str, Any], *, edges: Sequence[Decimal], config: TriageConfig
) -> list[QueueReason]:
    reasons = []
    verdict = verdict_of(checks)
    if verdict is Verdict.review:
        reasons.append(QueueReason.verdict_review)
    elif verdict is Verdict.fraud:
        reasons.append(QueueReason.verdict_fraud)
    confidence = scoring_confidence(checks)
    if confidence is not None and confidence < config.confidence_below:
        reasons.append(QueueReason.low_confidence)
    score = display_score(checks)
    margin = Decimal(str(config.threshold_margin))
    if score is not None and any(abs(Decimal(str(score)) - e) <= margin for e in edges):
        reasons.append(QueueReason.near_threshold)
    return reasons


def triage_photo(
    session: Session,
    photo_id: int,
    *,
    config: TriageConfig,
    rule_sets: Sequence[RuleSet] | None = None,
) -> ReviewItem | None:
    """Queue ``photo_id`` if it needs a person, refresh its item if queued; idempotent.

    A photo already decided keeps its decision (its item, if any, stays ``decided``).
    """
    photo = session.get(Photo, photo_id)
    analysis = latest_analysis(session, photo_id)
    if photo is None or analysis is None:
        return None
    checks = analysis.checks
    store = session.get(Store, photo.store_id) if photo.store_id else None
    payable = bool(photo.rep_id and photo.store_id and photo.activity_id and photo.captured_at)
    rule_sets = readable_active_rule_sets(session) if rule_sets is None else rule_sets
    edges: list[Decimal] = []
    stake_milli, currency = 0, None
    if payable:
        activity = session.get(Activity, photo.activity_id)
        audited = audited_photo(photo, checks, store=store, activity=activity, review=None)
        audited = audited.model_copy(update={"repeat_of": repeat_of(session, photo)})
        edges = band_edges(audited, rule_sets)
        stake = amount_at_stake(audited, rule_sets, config.business_offset_min)
        stake_milli, currency = int(stake.amount * 1000), stake.currency
    reasons = queue_reasons(checks, edges=edges, config=config)
    item = session.get(ReviewItem, photo_id)
    if not reasons and item is None:
        return None
    decided = session.get(PhotoReview, photo_id) is not None
    now = utcnow()
    if item is None:
        item = ReviewItem(photo_id=photo_id, queued_at=now)
        session.add(item)
    if decided:
        item.state = ItemState.decided.value
    else:
        item.state = (ItemState.open if reasons else ItemState.cleared).value
    item.reasons = [r.value for r in reasons]
    item.verdict = verdict_of(checks).value
    item.risk = round(fraud_score(checks) * 10_000)
    item.at_stake_milli = stake_milli
    item.currency = currency
    item.confidence = scoring_confidence(checks)
    item.score = display_score(checks)
    item.rep_id, item.store_id = photo.rep_id, photo.store_id
    item.activity_id, item.captured_at = photo.activity_id, photo.captured_at
    item.region = store.region if store else None
    item.updated_at = now
    session.flush()
    return item


def retriage_open(session: Session, *, config: TriageConfig) -> int:
    """Refresh every open item (after a rule set changes what is at stake); returns how many."""
    rule_sets = readable_active_rule_sets(session)
    ids = list(
        session.scalars(select(ReviewItem.photo_id).where(ReviewItem.state == ItemState.open))
    )
    for photo_id in ids:
        triage_photo(session, photo_id, config=config, rule_sets=rule_sets)
    return len(ids)


def retriage_undecided(
    session: Session, *, config: TriageConfig, after_id: int = 0, batch: int = 500
) -> int | None:
    """Triage again up to ``batch`` analysed, undecided photos with ids above ``after_id``
    (after an upgrade changed who is queued); returns the last id done, None when none is
    left."""
    rule_sets = readable_active_rule_sets(session)
    ids = list(
        session.scalars(
            select(Photo.id)
            .outerjoin(PhotoReview, PhotoReview.photo_id == Photo.id)
            .where(
                Photo.id > after_id,
                Photo.status == PhotoStatus.analysed,
                PhotoReview.photo_id.is_(None),
            )
            .order_by(Photo.id)
            .limit(batch)
        )
    )
    for photo_id in ids:
        triage_photo(session, photo_id, config=config, rule_sets=rule_sets)
    return ids[-1] if ids else None


@dataclass(frozen=True)
class ReviewTriage:
    """The hook the analysis processor calls after saving a result (see ``runtime``)."""

    config: TriageConfig

    def __call__(self, session: Session, photo_id: int) -> None:
        triage_photo(session, photo_id, config=self.config)
