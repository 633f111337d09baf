"""The recapture probe: candidate measurements on any photo, and the consistency rule it reports.

The probe (``python -m training.recapture.probe``) ships nothing; its findings are in the card.
These tests keep it runnable and check that its measurements react to what they claim to see.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.factories import textured_rgb

CANDIDATES = 18


@pytest.mark.parametrize(
    ("height", "width"),
    [(768, 1024), (1024, 576), (300, 200)],
    ids=["landscape", "portrait", "small"],
)
def test_candidate_features_are_finite_on_photos_of_any_shape(height: int, width: int) -> None:
    from training.recapture.probe import candidate_features

    features = candidate_features(textured_rgb(width, height))
    assert len(features) == CANDIDATES
    assert all(np.isfinite(v) for v in features.values())


def test_a_flat_photo_has_no_straight_lines() -> None:
    from training.recapture.probe import straight_edges

    flat = np.full((400, 600), 128, np.float32)
    assert straight_edges(flat) == {"line_max": 0.0, "line_top4": 0.0}


def test_a_bezel_reads_as_long_straight_lines() -> None:
    from training.recapture.probe import straight_edges

    frame = np.full((400, 600), 30, np.float32)
    cv2.rectangle(frame, (60, 50), (540, 350), 220, thickness=-1)
    assert straight_edges(frame)["line_max"] > 0.5


def test_colour_stripes_raise_chroma_against_luma() -> None:
    from training.recapture.probe import candidate_features

    grey = np.repeat(textured_rgb(512, 512)[..., :1], 3, axis=2)
    striped = grey.astype(np.int16)
    # Red and blue stripes two pixels apart, as sub-pixels alias into colour moire.
    striped[:, 0::4, 0] += 40
    striped[:, 2::4, 2] += 40
    striped_rgb = np.clip(striped, 0, 255).astype(np.uint8)
    plain = candidate_features(grey)["chroma_vs_luma_fine"]
    assert candidate_features(striped_rgb)["chroma_vs_luma_fine"] > plain + 0.5


@pytest.mark.parametrize(
    ("aucs", "expected"),
    [
        ([0.7, 0.8, 0.6, 0.9], True),
        ([0.3, 0.2, 0.4, 0.1], True),
        ([0.96, 0.25, 0.6, 0.7], False),
        ([0.7, 0.8, 0.54, 0.9], False),  # within the margin for one person
        ([0.7, None, 0.6, 0.9], False),  # a person without both classes counts as 0.5
    ],
    ids=["all_above", "all_below", "opposite_ways", "one_near_half", "one_missing"],
)
def test_consistent_needs_every_person_on_one_side(
    aucs: list[float | None], expected: bool
) -> None:
    from training.recapture.probe import consistent

    assert consistent(aucs) is expected
