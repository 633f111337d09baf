"""Who lands in the queue, with what risk and what amount at stake."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shelfaudit.review.analysis_view import scoring_confidence
from shelfaudit.review.triage import TriageConfig, queue_reasons
from shelfaudit.review.vocabulary import QueueReason
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import ReviewItem
from tests.factories import jpeg_bytes
from tests.seeds import SCHEME, add_photo, add_scheme, checks, seed_master_data

EDGES = [Decimal(60), Decimal(80)]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"verdict": "review"}, [QueueReason.verdict_review]),
        ({"verdict": "clean", "score": 85}, []),
        ({"verdict": "clean", "score": 78.5}, [QueueReason.near_threshold]),
        ({"verdict": "clean", "score": 61}, [QueueReason.near_threshold]),
        ({"verdict": "clean", "score": None}, []),
        # The recapture model's doubt reaches the queue through the verdict only.
        ({"verdict": "clean", "recapture": 0.55}, []),
        ({"verdict": "clean", "recapture": 0.98}, []),
        (
            {"verdict": "clean", "boxes": [{"xyxy": [0, 0, 5, 5], "confidence": 0.3}]},
            [QueueReason.low_confidence],
        ),
        # Unsure boxes that no display score counts decide nothing.
        (
            {
                "verdict": "clean",
                "score": None,
                "boxes": [{"xyxy": [0, 0, 5, 5], "confidence": 0.3}],
            },
            [],
        ),
        ({"verdict": "fraud"}, [QueueReason.verdict_fraud]),
    ],
)
def test_queue_reasons(args: dict[str, object], expected: list[QueueReason]) -> None:
    assert queue_reasons(checks(**args), edges=EDGES, config=TriageConfig()) == expected  # type: ignore[arg-type]


def test_scoring_confidence_is_the_mean_confidence_of_the_boxes_a_score_counts() -> None:
    boxes = [{"xyxy": [0, 0, 1, 1], "confidence": c} for c in (0.9, 0.5)]
    assert scoring_confidence(checks(recapture=0.55, boxes=boxes)) == pytest.approx(0.7)
    assert scoring_confidence(checks(recapture=0.55)) is None
    assert scoring_confidence(checks(score=None, boxes=boxes)) is None


def test_a_queued_photo_carries_its_risk_and_the_amount_at_stake(runtime: Runtime) -> None:
    seed_master_data(runtime)
    add_scheme(runtime)
    photo_id = add_photo(runtime, verdict="review", fraud_score=0.42, score=85)
    clean_id = add_photo(runtime, verdict="clean", fraud_score=0.0, score=85)
    with runtime.sessions() as session:
        item = session.get(ReviewItem, photo_id)
        assert session.get(ReviewItem, clean_id) is None
    assert item is not None
    assert (item.state, item.risk, item.at_stake_milli, item.currency) == (
        "open",
        4200,
        40_000_000,
        "VND",
    )
    assert (item.rep_id, item.store_id, item.region, item.activity_id) == (
        "R1",
        "S1",
        "south",
        "A1",
    )


def test_a_photo_judged_fraud_has_its_penalty_at_stake_too(runtime: Runtime) -> None:
    seed_master_data(runtime)
    add_scheme(runtime)
    cheat = add_photo(runtime, verdict="fraud", fraud_score=0.9, score=85)
    with runtime.sessions() as session:
        item = session.get(ReviewItem, cheat)
    assert item is not None
    assert item.at_stake_milli == 140_000_000  # 40,000 if approved, else a 100,000 penalty


def test_a_second_copy_of_a_file_has_nothing_at_stake(runtime: Runtime) -> None:
    seed_master_data(runtime)
    add_scheme(runtime)
    same = jpeg_bytes(320, 240, seed=4242)
    add_photo(runtime, verdict="clean", fraud_score=0.0, score=85, data=same)
    again = add_photo(runtime, verdict="review", fraud_score=0.42, score=85, data=same)
    with runtime.sessions() as session:
        item = session.get(ReviewItem, again)
    assert item is not None
    assert item.at_stake_milli == 0  # the first copy is the one paid


def test_without_a_score_the_stake_is_the_most_the_photo_could_earn(runtime: Runtime) -> None:
    seed_master_data(runtime)
    add_scheme(runtime, SCHEME.replace("missing: skip", "missing: error"))
    photo_id = add_photo(runtime, verdict="review", score=None)
    with runtime.sessions() as session:
        item = session.get(ReviewItem, photo_id)
    assert item is not None
    assert item.at_stake_milli == 40_000_000
