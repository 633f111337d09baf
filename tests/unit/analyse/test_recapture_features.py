"""Recapture features: moiré, halftone and bezels score as they should; invariances hold."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from shelfaudit.analyse import recapture_features as rf


def natural_rgb(width: int = 1024, height: int = 768, seed: int = 0) -> np.ndarray:
    """A smooth, photo-like picture: blurred noise at several scales, no periodic texture."""
    rng = np.random.default_rng(seed)
    out = np.zeros((height, width, 3), np.float32)
    for scale, weight in ((64, 90.0), (16, 40.0), (4, 12.0)):
        small = rng.normal(0, 1, (height // scale + 2, width // scale + 2, 3)).astype(np.float32)
        big = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
        out += weight * big
    out += rng.normal(0, 2.0, out.shape).astype(np.float32)  # sensor noise
    return np.clip(out + 128, 0, 255).astype(np.uint8)


def with_moire(rgb: np.ndarray, period: float = 5.3, angle_deg: float = 4.0) -> np.ndarray:
    """The picture seen through a slightly rotated screen grid (a beat pattern)."""
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    theta = np.deg2rad(angle_deg)
    u = xx * np.cos(theta) + yy * np.sin(theta)
    grating = 1 + 0.12 * np.cos(2 * np.pi * u / period)
    return np.clip(rgb * grating[..., None], 0, 255).astype(np.uint8)


def with_halftone(rgb: np.ndarray, period: float = 6.0, angle_deg: float = 15.0) -> np.ndarray:
    """A printed copy: rotated dot screen modulating every channel."""
    h, w = rgb.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    theta = np.deg2rad(angle_deg)
    u = xx * np.cos(theta) + yy * np.sin(theta)
    v = -xx * np.sin(theta) + yy * np.cos(theta)
    dots = 0.5 * (np.cos(2 * np.pi * u / period) + np.cos(2 * np.pi * v / period))
    return np.clip(rgb * (0.85 + 0.15 * dots[..., None]), 0, 255).astype(np.uint8)


def jpeg_roundtrip(rgb: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def features(rgb: np.ndarray, period: float = 0.0) -> dict[str, float]:
    return rf.extract(rgb, jpeg_period=period)


@pytest.mark.parametrize("transform", [with_moire, with_halftone], ids=["moire", "halftone"])
def test_periodic_pattern_raises_spectral_peaks(transform: object) -> None:
    clean = natural_rgb()
    patterned = transform(clean)  # type: ignore[operator]
    before, after = features(clean), features(patterned)
    assert after["peak128_all_med"] > before["peak128_all_med"] + 1.0
    assert after["peak64_all_med"] > before["peak64_all_med"] + 0.5


def test_jpeg_block_grid_is_not_mistaken_for_moire() -> None:
    clean = natural_rgb(seed=1)
    compressed = jpeg_roundtrip(clean, quality=35)
    masked = features(compressed, period=8.0)
    assert masked["peak128_all_med"] < features(clean)["peak128_all_med"] + 0.5
    # Without the mask, the same blocks read as peaks: the mask is what keeps them out.
    assert features(compressed, period=0.0)["peak128_all_med"] > masked["peak128_all_med"]


def test_dark_bezel_shows_in_border_features() -> None:
    photo = natural_rgb(seed=2)
    screen = photo.copy()
    screen[:60], screen[-60:], screen[:, :80], screen[:, -80:] = 5, 5, 5, 5
    plain, framed = features(photo), features(screen)
    assert framed["border_dark_share"] > plain["border_dark_share"] + 0.3
    assert framed["border_mean_vs_centre"] < plain["border_mean_vs_centre"] - 20


@pytest.mark.parametrize(
    "transform",
    [lambda a: a[:, ::-1], lambda a: a[::-1, :]],
    ids=["hflip", "vflip"],
)
def test_features_survive_a_mirror(transform: object) -> None:
    photo = with_moire(natural_rgb(seed=3))
    a = features(photo)
    b = features(np.ascontiguousarray(transform(photo)))  # type: ignore[operator]
    for name in a:
        assert b[name] == pytest.approx(a[name], rel=0.01, abs=0.01), name


def test_every_feature_is_finite_on_a_flat_image() -> None:
    flat = np.full((600, 800, 3), 128, np.uint8)
    values = features(flat, period=6.4)
    assert all(np.isfinite(v) for v in values.values())


def test_small_image_below_tile_size_still_gives_every_feature() -> None:
    tiny = natural_rgb(200, 150)
    assert set(features(tiny)) == set(features(natural_rgb()))


def test_grey_image_is_refused_with_the_shape_in_the_message() -> None:
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        rf.extract(np.zeros((100, 100), np.uint8), jpeg_period=0.0)


@pytest.mark.parametrize(
    ("stored", "analysis", "period"),
    [(1280, 1024, 6.4), (4000, 1000, 2.0), (1024, 1024, 8.0), (0, 1024, 0.0)],
)
def test_jpeg_grid_period(stored: int, analysis: int, period: float) -> None:
    assert rf.jpeg_grid_period(stored, analysis) == pytest.approx(period)
