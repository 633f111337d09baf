from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shelfaudit.analyse.verdict import (
    PhotoIdentity,
    VerdictThresholds,
    combine,
    duplicate_signals,
    recapture_signals,
)
from shelfaudit.domain.checks import DuplicateMatch, RecaptureResult
from shelfaudit.domain.enums import MatchKind, RecaptureVerdict
from shelfaudit.domain.fraud import Signal, SignalCode, Verdict

NOW = datetime(2026, 5, 12, 9, 30, tzinfo=UTC)
ME = PhotoIdentity(store_id="S1", rep_id="R1", received_at=NOW)
THRESHOLDS = VerdictThresholds(review_at=0.35, fraud_at=0.85)


def match(
    kind: MatchKind, *, store: str = "S1", rep: str = "R1", ago: timedelta = timedelta(minutes=5)
) -> DuplicateMatch:
    return DuplicateMatch(
        photo_id=5531,
        kind=kind,
        store_id=store,
        rep_id=rep,
        received_at=NOW - ago,
        pdq_distance=0 if kind is MatchKind.exact else 20,
        phash_distance=2,
        dhash_distance=3,
    )


def signal(code: SignalCode, weight: float) -> Signal:
    return Signal(code=code, weight=weight, message=code.value)


@pytest.mark.parametrize(
    ("matches", "verdict"),
    [
        ([match(MatchKind.exact, store="S2")], Verdict.fraud),
        ([match(MatchKind.exact, ago=timedelta(days=3))], Verdict.fraud),
        ([match(MatchKind.near, rep="R7")], Verdict.review),
        ([match(MatchKind.near)], Verdict.clean),  # a second shot in the same visit
        ([match(MatchKind.exact)], Verdict.clean),  # the same file twice in one visit
        ([], Verdict.clean),
    ],
)
def test_duplicates_weigh_by_reuse(matches: list[DuplicateMatch], verdict: Verdict) -> None:
    assert combine(duplicate_signals(matches, ME), THRESHOLDS).verdict is verdict


@pytest.mark.parametrize(
    ("captured", "verdict"),
    [
        (NOW - timedelta(hours=3, minutes=1), Verdict.clean),  # the visit's own photo, re-sent
        (NOW - timedelta(days=3), Verdict.fraud),  # an older visit's photo sent again
        (None, Verdict.fraud),  # no capture time to tell: sent hours apart is a reuse
    ],
)
def test_a_photo_re_sent_hours_later_by_the_app_belongs_to_its_visit(
    captured: datetime | None, verdict: Verdict
) -> None:
    earlier = match(MatchKind.exact, ago=timedelta(hours=3)).model_copy(
        update={"captured_at": captured}
    )
    resent = PhotoIdentity(
        store_id="S1",
        rep_id="R1",
        received_at=NOW,
        captured_at=NOW - timedelta(hours=3, minutes=1),
    )
    assert combine(duplicate_signals([earlier], resent), THRESHOLDS).verdict is verdict


def test_photos_claimed_for_visits_a_day_apart_are_two_visits_however_they_were_sent() -> None:
    # Yesterday's visit and today's, uploaded one minute apart from the same gallery.
    yesterday = match(MatchKind.near, ago=timedelta(minutes=1)).model_copy(
        update={"captured_at": NOW - timedelta(days=1)}
    )
    today = PhotoIdentity(store_id="S1", rep_id="R1", received_at=NOW, captured_at=NOW)
    (found,) = duplicate_signals([yesterday], today)
    assert found.weight == 0.7
    assert f"taken {NOW - timedelta(days=1):%Y-%m-%d %H:%M} UTC" in found.message
    assert found.evidence["captured_at"] == (NOW - timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("pdq", "phash", "stage", "verdict"),
    [
        (0, 0, "hash", Verdict.fraud),  # pixel for pixel, only the EXIF edited
        (10, 0, "hash", Verdict.fraud),  # re-saved through a messenger
        (20, 2, "hash", Verdict.review),  # resized, recoloured: a person decides
        (10, 6, "hash", Verdict.review),
        (0, 0, "local_features", Verdict.review),  # keypoints: a crop, or the same scene
    ],
)
def test_a_re_saved_copy_for_another_visit_weighs_as_identical_bytes(
    pdq: int, phash: int, stage: str, verdict: Verdict
) -> None:
    copy = match(MatchKind.near, rep="R7", store="S2", ago=timedelta(days=10)).model_copy(
        update={"pdq_distance": pdq, "phash_distance": phash, "stage": stage}
    )
    result = combine(duplicate_signals([copy], ME), THRESHOLDS)
    assert result.verdict is verdict
    if verdict is Verdict.fraud:
        assert result.reasons[0].message.startswith("Same picture, re-saved, as photo 5531")


def test_a_copy_inside_bars_in_both_photos_does_not_say_bars_were_added() -> None:
    copy = match(MatchKind.near, store="S2").model_copy(update={"variant": "inside_bars_both"})
    (found,) = duplicate_signals([copy], ME)
    assert "added bars" not in found.message
    assert "inside flat bars in both" in found.message


def test_reused_photo_message_names_the_earlier_photo_and_store() -> None:
    (found,) = duplicate_signals([match(MatchKind.near, store="S2", ago=timedelta(days=2))], ME)
    assert "5531" in found.message
    assert "store S2" in found.message
    assert found.evidence["pdq_distance"] == 20


@pytest.mark.parametrize(
    ("variant", "words"),
    [
        ("border_trimmed", "inside added bars (a screenshot or a frame)"),
        ("rotate_90", "rotate 90"),
        ("bars_removed", "the earlier photo with its bars cut off"),
        ("rotate_90+bars_removed", "rotate 90; the earlier photo with its bars cut off"),
    ],
)
def test_reused_photo_message_says_how_the_copy_differs(variant: str, words: str) -> None:
    copy = match(MatchKind.near, store="S2").model_copy(update={"variant": variant})
    (found,) = duplicate_signals([copy], ME)
    assert words in found.message


@pytest.mark.parametrize(
    ("weights", "score", "verdict"),
    [
        ([], 0.0, Verdict.clean),
        ([0.1], 0.1, Verdict.clean),  # missing EXIF alone never accuses anyone
        ([0.35], 0.35, Verdict.review),  # at the review threshold exactly
        ([0.3, 0.1], 0.37, Verdict.review),
        ([0.7, 0.5], 0.85, Verdict.fraud),  # at the fraud threshold exactly
        ([0.9], 0.9, Verdict.fraud),
    ],
)
def test_noisy_or_score_and_thresholds(
    weights: list[float], score: float, verdict: Verdict
) -> None:
    result = combine([signal(SignalCode.outside_geofence, w) for w in weights], THRESHOLDS)
    assert result.score == pytest.approx(score, abs=1e-4)
    assert result.verdict is verdict


def test_reasons_are_sorted_strongest_first() -> None:
    result = combine(
        [signal(SignalCode.no_gps, 0.1), signal(SignalCode.recapture, 0.8)], THRESHOLDS
    )
    assert [r.code for r in result.reasons] == [SignalCode.recapture, SignalCode.no_gps]


def recapture_result(probability: float, verdict: str) -> RecaptureResult:
    return RecaptureResult(
        version="t",
        ms=0,
        model="recapture-v1",
        probability=probability,
        verdict=RecaptureVerdict(verdict),
        evidence={},
        timings_ms={},
    )


@pytest.mark.parametrize(
    ("probability", "verdict", "expected"),
    [
        (0.2, "genuine", Verdict.clean),
        (0.8, "uncertain", Verdict.review),  # unsure: a person looks
        (0.97, "recapture", Verdict.review),  # the model alone sends to a person, never convicts
    ],
)
def test_recapture_alone_never_convicts(
    probability: float, verdict: str, expected: Verdict
) -> None:
    signals = recapture_signals(recapture_result(probability, verdict))
    assert combine(signals, THRESHOLDS).verdict is expected


def test_an_uncertain_recapture_reaches_a_raised_review_line_too() -> None:
    raised = VerdictThresholds(review_at=0.5, fraud_at=0.85)
    signals = recapture_signals(recapture_result(0.7, "uncertain"), raised)
    assert [s.weight for s in signals] == [0.5]
    assert combine(signals, raised).verdict is Verdict.review


def test_recapture_plus_a_reused_photo_is_fraud() -> None:
    signals = [
        *recapture_signals(recapture_result(0.97, "recapture")),
        *duplicate_signals([match(MatchKind.near, store="S2", ago=timedelta(days=30))], ME),
    ]
    assert combine(signals, THRESHOLDS).verdict is Verdict.fraud
