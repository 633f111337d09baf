"""Photo quality: sharpness, exposure and resolution, with a retake hint a rep understands."""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from shelfaudit.domain.checks import QualityResult
from shelfaudit.domain.enums import FlagCode

VERSION = "quality-1"

# Sharpness is measured at one standard scale so that it means the same for every camera.
SHARPNESS_LONG_SIDE = 640

_HINTS = {
    FlagCode.blurry: "hold the phone still and tap the display to focus",
    FlagCode.too_dark: "turn on the lights or move closer to the display",
    FlagCode.too_bright: "avoid pointing at lamps or windows; step to the side of the glare",
    FlagCode.low_resolution: "use the main camera at full resolution, not a screenshot or zoom",
}


@dataclass(frozen=True)
class QualityThresholds:
    min_sharpness: float
    dark_mean: float
    bright_mean: float
    clipped_fraction: float
    min_megapixels: float
    min_short_side: int


def to_luma(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), dtype=np.uint8)


def sharpness(gray: NDArray[np.uint8]) -> float:
    """Variance of the Laplacian after scaling the long side to ``SHARPNESS_LONG_SIDE``."""
    scale = SHARPNESS_LONG_SIDE / max(gray.shape)
    if scale < 1:
        size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
        gray = np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    laplacian = cv2.Laplacian(gray, cv2.CV_32F, ksize=3)
    return float(laplacian.var())


def assess(
    rgb: NDArray[np.uint8], *, width: int, height: int, thresholds: QualityThresholds
) -> QualityResult:
    """Judge the upright analysis image; ``width``/``height`` are the original's pixels."""
    started = time.perf_counter()
    gray = to_luma(rgb)
    sharp = sharpness(gray)
    mean = float(gray.mean())
    dark = float(np.count_nonzero(gray < 16) / gray.size)
    bright = float(np.count_nonzero(gray > 240) / gray.size)
    megapixels = width * height / 1e6

    problems: list[FlagCode] = []
    if sharp < thresholds.min_sharpness:
        problems.append(FlagCode.blurry)
    if mean < thresholds.dark_mean or dark > thresholds.clipped_fraction:
        problems.append(FlagCode.too_dark)
    elif mean > thresholds.bright_mean or bright > thresholds.clipped_fraction:
        problems.append(FlagCode.too_bright)
    if megapixels < thresholds.min_megapixels or min(width, height) < thresholds.min_short_side:
        problems.append(FlagCode.low_resolution)
    hint = "; ".join(_HINTS[p] for p in problems) if problems else None
    return QualityResult(
        version=VERSION,
        ms=(time.perf_counter() - started) * 1000,
        sharpness=round(sharp, 2),
        brightness_mean=round(mean, 2),
        dark_fraction=round(dark, 4),
        bright_fraction=round(bright, 4),
        megapixels=round(megapixels, 2),
        passed=not problems,
        problems=problems,
        hint=f"Please retake: {hint}." if hint else None,
    )
