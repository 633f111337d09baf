from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from shelfaudit.analyse import quality
from shelfaudit.domain.enums import FlagCode
from tests.factories import real_photos, textured_rgb

THRESHOLDS = quality.QualityThresholds(
    min_sharpness=100,
    dark_mean=50,
    bright_mean=215,
    clipped_fraction=0.25,
    min_megapixels=1.0,
    min_short_side=720,
)


def assess(rgb: np.ndarray, width: int = 4000, height: int = 3000) -> quality.QualityResult:
    return quality.assess(rgb, width=width, height=height, thresholds=THRESHOLDS)


def test_sharp_well_exposed_photo_passes() -> None:
    result = assess(textured_rgb(1024, 768))
    assert result.passed
    assert result.problems == []
    assert result.hint is None


def test_blurred_photo_is_flagged_with_a_hint() -> None:
    blurred = cv2.GaussianBlur(textured_rgb(1024, 768), (0, 0), 8)
    result = assess(blurred)
    assert FlagCode.blurry in result.problems
    assert result.hint is not None
    assert "focus" in result.hint


@pytest.mark.parametrize(
    ("scale", "offset", "problem"),
    [(0.1, 0, FlagCode.too_dark), (0.1, 235, FlagCode.too_bright)],
)
def test_exposure_problems(scale: float, offset: int, problem: FlagCode) -> None:
    rgb = np.clip(textured_rgb(1024, 768).astype(np.float32) * scale + offset, 0, 255).astype(
        np.uint8
    )
    assert problem in assess(rgb).problems


@pytest.mark.parametrize(("width", "height"), [(640, 480), (1280, 600)])
def test_low_resolution_is_flagged(width: int, height: int) -> None:
    result = assess(textured_rgb(width, height), width=width, height=height)
    assert result.problems == [FlagCode.low_resolution]


def test_sharpness_barely_depends_on_the_decode_scale() -> None:
    rgb = np.asarray(Image.open(real_photos()[1]).convert("RGB"))
    full = quality.sharpness(quality.to_luma(rgb))
    quarter = quality.sharpness(
        quality.to_luma(cv2.resize(rgb, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA))
    )
    assert quarter == pytest.approx(full, rel=0.25)
