"""One fraud verdict from every signal: clean, review or fraud, with the reasons weighted.

The score is a noisy-OR of the signal weights, so independent weak signals add up while
no single weak one (missing EXIF, poor GPS) can reach a verdict alone. Uncertain cases go
to a person (``review``); ``fraud`` needs strong evidence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from shelfaudit.analyse.hashes import BARS_REMOVED, INSIDE_BOTH, TRIMMED_VARIANT
from shelfaudit.domain.checks import DuplicateMatch, RecaptureResult
from shelfaudit.domain.enums import MatchKind, RecaptureVerdict
from shelfaudit.domain.fraud import FraudResult, Signal, SignalCode, Verdict

VERSION = "verdict-2"  # 2: re-saved copies weigh as identical ones, visits by capture time

# Two shots of one display in one visit are normal; the same picture again for another
# store, another rep or another day is the most common fraud there is.
SAME_VISIT = timedelta(hours=2)
# A hash match this close (PDQ bits of 256, pHash bits of 64) is the same picture re-saved,
# pixel for pixel up to its compression: distinct real photos are 38 PDQ bits apart at
# the closest (settings.pdq_max_distance), and a second shot of one shelf further still.
# Sent again for another visit it weighs as identical bytes do: only its EXIF was edited.
RESAVED_PDQ = 12
RESAVED_PHASH = 2


@dataclass(frozen=True)
class PhotoIdentity:
    store_id: str | None
    rep_id: str | None
    received_at: datetime
    captured_at: datetime | None = None  # the time the app claims (else EXIF)


@dataclass(frozen=True)
class VerdictThresholds:
    review_at: float = 0.35
    fraud_at: float = 0.85


def duplicate_signals(matches: list[DuplicateMatch], photo: PhotoIdentity) -> list[Signal]:
    signals: list[Signal] = []
    for kind in (MatchKind.exact, MatchKind.near):
        found = [m for m in matches if m.kind is kind]
        if not found:
            continue
        reused = [m for m in found if not _same_visit(m, photo)]
        best = (reused or found)[0]
        exact = kind is MatchKind.exact
        if reused:
            resaved = not exact and _resaved(best)
            weight = 0.9 if exact or resaved else 0.7
            where = _difference(best, photo)
            what = (
                "Identical to"
                if exact
                else "Same picture, re-saved, as"
                if resaved
                else ("Same picture as")
            )
            message = f"{what} photo {best.photo_id} ({where}{_how(best)})."
        else:
            weight = 0.3 if exact else 0.05
            # Without a store or a rep there is no visit to speak of, only the time.
            context = (
                "from the same visit"
                if photo.store_id is not None or photo.rep_id is not None
                else "sent within two hours, with no store or rep to compare"
            )
            message = (
                f"{'Identical to' if exact else 'Very similar to'} photo {best.photo_id} {context}."
            )
        signals.append(
            Signal(
                code=SignalCode.exact_duplicate if exact else SignalCode.near_duplicate,
                weight=weight,
                message=message,
                evidence={
                    "photo_id": best.photo_id,
                    "store_id": best.store_id,
                    "rep_id": best.rep_id,
                    "received_at": best.received_at.isoformat() if best.received_at else None,
                    "captured_at": best.captured_at.isoformat() if best.captured_at else None,
                    "stage": best.stage,
                    "variant": best.variant,
                    "pdq_distance": best.pdq_distance,
                    "phash_distance": best.phash_distance,
                    "inliers": best.inliers,
                    "similarity": best.similarity,
                    "matches": len(found),
                },
            )
        )
    return signals


# The recapture model generalises only partly to unseen phones and screens (LOSO AUC 0.85,
# models/recapture/CARD.md): on its own it can send a photo to a person, never convict.
# "uncertain" is exactly what a person should look at, so it reaches the review line alone
# (at 0.2 it never did, and most held-out recaptures, p 0.67-0.93, passed clean).
RECAPTURED_WEIGHT = 0.6


def recapture_signals(
    result: RecaptureResult | None, thresholds: VerdictThresholds | None = None
) -> list[Signal]:
    """The recapture signal: ``recapture`` weighs ``RECAPTURED_WEIGHT``, ``uncertain`` the
    review line of ``thresholds`` (a person looks), ``genuine`` nothing."""
    if result is None or result.verdict is RecaptureVerdict.genuine:
        return []
    sure = result.verdict is RecaptureVerdict.recapture
    review_at = (thresholds or VerdictThresholds()).review_at
    return [
        Signal(
            code=SignalCode.recapture,
            weight=RECAPTURED_WEIGHT if sure else review_at,
            message=(
                f"{'Looks like' if sure else 'May be'} a photo of a screen or a print "
                f"(probability {result.probability:.2f})."
            ),
            evidence={
                "probability": result.probability,
                "verdict": result.verdict.value,
                "model": result.model,
            },
        )
    ]


def _how(match: DuplicateMatch) -> str:
    """How the copy differs, when it is more than a re-save: the reviewer's first question."""
    parts = []
    for step in match.variant.split("+"):
        if step == TRIMMED_VARIANT:
            parts.append("inside added bars (a screenshot or a frame)")
        elif step == INSIDE_BOTH:
            # Bars may have been added around bars (a screenshot of a letterboxed photo), or
            # both photos only share a flat band of their own (a resized copy): say no more.
            parts.append("the same picture inside flat bars in both (bars added, or its own)")
        elif step == BARS_REMOVED:
            parts.append("the earlier photo with its bars cut off")
        elif step != "identity":
            parts.append(step.replace("_", " "))
    if match.stage == "local_features" and match.inliers is not None:
        parts.append(f"found by {match.inliers} matching keypoints: cropped, tilted or re-shot")
    return f", {'; '.join(parts)}" if parts else ""


def _resaved(match: DuplicateMatch) -> bool:
    return (
        match.stage == "hash"
        and 0 <= match.pdq_distance <= RESAVED_PDQ
        and 0 <= match.phash_distance <= RESAVED_PHASH
    )


def _same_visit(match: DuplicateMatch, photo: PhotoIdentity) -> bool:
    """Same rep and store, taken within ``SAME_VISIT`` of each other (an app that re-sends a
    visit's photos from its offline queue hours later keeps their capture times); sent
    within it when a capture time is missing. Two photos claimed for visits a day apart
    are two visits however close together they were sent."""
    if match.store_id != photo.store_id or match.rep_id != photo.rep_id:
        return False
    if match.captured_at is not None and photo.captured_at is not None:
        return abs(photo.captured_at - match.captured_at) <= SAME_VISIT
    return (
        match.received_at is not None and abs(photo.received_at - match.received_at) <= SAME_VISIT
    )


def _difference(match: DuplicateMatch, photo: PhotoIdentity) -> str:
    parts = []
    if match.store_id != photo.store_id:
        parts.append(f"store {match.store_id or '?'}")
    if match.rep_id != photo.rep_id:
        parts.append(f"rep {match.rep_id or '?'}")
    if match.captured_at is not None:
        parts.append(f"taken {match.captured_at:%Y-%m-%d %H:%M} UTC")
    if match.received_at is not None:
        parts.append(f"received {match.received_at:%Y-%m-%d %H:%M} UTC")
    return ", ".join(parts)


def combine(signals: list[Signal], thresholds: VerdictThresholds) -> FraudResult:
    started = time.perf_counter()
    ordered = sorted(signals, key=lambda s: s.weight, reverse=True)
    keep = 1.0
    for signal in ordered:
        keep *= 1.0 - signal.weight
    score = round(1.0 - keep, 4)
    if score >= thresholds.fraud_at:
        verdict = Verdict.fraud
    elif score >= thresholds.review_at:
        verdict = Verdict.review
    else:
        verdict = Verdict.clean
    return FraudResult(
        version=VERSION,
        ms=(time.perf_counter() - started) * 1000,
        verdict=verdict,
        score=score,
        reasons=ordered,
        review_at=thresholds.review_at,
        fraud_at=thresholds.fraud_at,
    )
