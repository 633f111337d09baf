"""Everything the photo page shows, gathered in one place: the photo and its boxes, the
display-score breakdown, the fraud evidence, the rep's recent history, the payout it
triggers, the decision in force and the audit trail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.commission import PayoutLine
from shelfaudit.domain.fraud import Verdict
from shelfaudit.errors import NotFound
from shelfaudit.payouts.inputs import audited_photo, repeat_of
from shelfaudit.payouts.preview import Preview, photo_preview
from shelfaudit.payouts.rule_store import readable_active_rule_sets
from shelfaudit.payouts.statements import lines_for_photo
from shelfaudit.results.newest import latest_analyses
from shelfaudit.results.visits import VisitReport, visit_of
from shelfaudit.review.analysis_view import (
    SkuFacing,
    SkuRow,
    display,
    latest_analysis,
    recapture_probability,
    sku_facings,
    sku_rows,
    verdict_of,
)
from shelfaudit.review.audit import events_for_photo
from shelfaudit.review.detections import Box, current_boxes
from shelfaudit.review.drawn_boxes import drawn_boxes_of
from shelfaudit.store.tables import (
    Activity,
    AuditEvent,
    DrawnBox,
    Photo,
    PhotoReview,
    ReviewItem,
    Store,
)

HISTORY = 15
# Keys of a duplicate match shown as its own column; any other number in it is shown too.
_MATCH_KEYS = ("pdq_distance", "phash_distance", "dhash_distance", "keypoints", "inliers")


@dataclass(frozen=True)
class Match:
    photo_id: int
    kind: str
    file: str | None
    store_id: str | None
    rep_id: str | None
    received_at: str | None
    captured_at: str | None
    numbers: dict[str, float]  # distances, matched keypoints, inliers, whatever was measured
    labels: dict[str, str]  # how it was found (stage) and how it differs (variant)


@dataclass(frozen=True)
class HistoryRow:
    photo: Photo
    verdict: Verdict | None
    decision: str | None


@dataclass
class PhotoView:
    photo: Photo
    store: Store | None
    activity: Activity | None
    checks: dict[str, Any]
    width: int  # upright pixels: the overlay's coordinate space
    height: int
    boxes: list[Box]
    verdict: Verdict | None
    fraud: dict[str, Any]
    matches: list[Match]
    recapture: float | None
    facts: dict[str, Any]
    breakdown: list[dict[str, Any]]
    score: Any
    review: PhotoReview | None
    item: ReviewItem | None
    history: list[HistoryRow]
    preview: Preview | None
    paid: list[PayoutLine]
    trail: list[AuditEvent] = field(default_factory=list)
    skus: list[SkuRow] = field(default_factory=list)
    facings: list[SkuFacing] = field(default_factory=list)  # each item, to confirm its SKU
    drawn: list[DrawnBox] = field(default_factory=list)  # round objects the detector missed
    visit: VisitReport | None = None  # the rep's photos of this store that day, by activity

    @property
    def classes(self) -> list[str]:
        found = {box.class_name for box in self.boxes} | {b.model_class for b in self.boxes}
        return sorted(found | {d.class_name for d in self.drawn})


def _matches(checks: dict[str, Any]) -> list[Match]:
    raw = (checks.get("duplicates") or {}).get("matches") or []
    found = []
    for match in raw:
        if not isinstance(match, dict) or "photo_id" not in match:
            continue
        numbers = {
            key: float(value)
            for key, value in match.items()
            if isinstance(value, int | float)
            and not isinstance(value, bool)
            and key != "photo_id"
            and not (key.endswith("_distance") and value < 0)  # -1: not measured
        }
        ordered = {k: numbers.pop(k) for k in _MATCH_KEYS if k in numbers} | numbers
        found.append(
            Match(
                photo_id=int(match["photo_id"]),
                kind=str(match.get("kind", "")),
                file=match.get("file"),
                store_id=match.get("store_id"),
                rep_id=match.get("rep_id"),
                received_at=match.get("received_at"),
                captured_at=match.get("captured_at"),
                numbers=ordered,
                labels={key: str(match[key]) for key in ("stage", "variant") if match.get(key)},
            )
        )
    return found


def _history(session: Session, photo: Photo) -> list[HistoryRow]:
    if not photo.rep_id:
        return []
    rows = list(
        session.execute(
            select(Photo, PhotoReview.decision)
            .outerjoin(PhotoReview, PhotoReview.photo_id == Photo.id)
            .where(Photo.rep_id == photo.rep_id, Photo.id != photo.id)
            .order_by(Photo.id.desc())
            .limit(HISTORY)
        ).all()
    )
    analyses = latest_analyses(session, [p.id for p, _ in rows])
    return [
        HistoryRow(
            photo=p,
            verdict=verdict_of(analyses[p.id].checks) if p.id in analyses else None,
            decision=decision,
        )
        for p, decision in rows
    ]


def photo_view(session: Session, photo_id: int, *, business_offset_min: int = 0) -> PhotoView:
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} does not exist")
    analysis = latest_analysis(session, photo_id)
    checks: dict[str, Any] = analysis.checks if analysis else {}
    store = session.get(Store, photo.store_id) if photo.store_id else None
    activity = session.get(Activity, photo.activity_id) if photo.activity_id else None
    review = session.get(PhotoReview, photo_id)
    decode = checks.get("decode") or {}
    preview = None
    if analysis and photo.rep_id and photo.store_id and photo.activity_id and photo.captured_at:
        audited = audited_photo(photo, checks, store=store, activity=activity, review=review)
        audited = audited.model_copy(update={"repeat_of": repeat_of(session, photo)})
        preview = photo_preview(audited, readable_active_rule_sets(session), business_offset_min)
    shown = display(checks)
    return PhotoView(
        photo=photo,
        store=store,
        activity=activity,
        checks=checks,
        width=int(decode.get("width") or photo.width),
        height=int(decode.get("height") or photo.height),
        boxes=current_boxes(session, photo_id),
        verdict=verdict_of(checks) if analysis else None,
        fraud=checks.get("fraud") or {},
        matches=_matches(checks),
        recapture=recapture_probability(checks),
        facts=(checks.get("metadata") or {}).get("facts") or {},
        breakdown=list(shown.get("breakdown") or []),
        score=shown.get("score"),
        review=review,
        item=session.get(ReviewItem, photo_id),
        history=_history(session, photo),
        preview=preview,
        paid=list(lines_for_photo(session, photo_id)),
        trail=events_for_photo(session, photo_id),
        skus=sku_rows(checks),
        facings=sku_facings(checks),
        drawn=drawn_boxes_of(session, photo_id),
        visit=visit_of(session, photo),
    )
