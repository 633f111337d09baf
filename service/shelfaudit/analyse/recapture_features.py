"""Hand-made recapture features: pure numpy/OpenCV, shared by training and serving.

Everything is measured on the upright analysis image (RGB uint8, long side about 1024 px)
that ``analyse.decode`` produces, so training (``training.recapture``) and the service see
the same pixels. Two groups:

* spectral: a photo of a screen or a print samples a regular grid (sub-pixels, halftone
  dots) and aliases it into moiré, which shows up as isolated peaks in the local Fourier
  spectrum. Peaks are measured as the log power above the local spectral background, in
  tiles of 64, 128 and 256 px, over all high frequencies and near the axes (a screen shot
  square-on aliases there), with the JPEG 8x8 block grid (rescaled to the analysis image)
  masked out so that recompression is not mistaken for moiré;
* global: exposure, colour cast and saturation of the whole frame and its border (a
  screen is a bright rectangle inside a dark bezel; its black is grey and its white
  capped), computed on a 256 px thumbnail.

No feature reads the image size, EXIF, orientation or JPEG quality directly: those name the
phone or the messenger, not the recapture.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from numpy.typing import NDArray

VERSION = "recapture-features-1"

JPEG_BLOCK = 8
THUMB_LONG_SIDE = 256
# Spectral peaks are looked for above this radial frequency (cycles/pixel): lower
# frequencies hold the scene itself (shelves, tiles, product rows).
PEAK_MIN_FREQUENCY = 0.08
# Share of tiles (the most textured first) whose spectra are read, flat tiles holding no
# moiré; at most MAX_TILES[size] of them, which bounds the time on large analysis images.
TEXTURED_TILE_SHARE = 0.67
TILE_SIZES = (64, 128, 256)
MAX_TILES = {64: 48, 128: 24, 256: 8}
BACKGROUND_KERNEL = 7


@dataclass(frozen=True)
class _Grid:
    """Frequency coordinates of a ``size`` x ``size`` tile's rfft2 (shape (size, size//2+1))."""

    size: int
    window: NDArray[np.float32]
    fx: NDArray[np.float64]
    fy: NDArray[np.float64]
    radius: NDArray[np.float64]

    def near_axis(self) -> NDArray[np.bool_]:
        # Screens are photographed roughly square-on: their grid aliases near the axes.
        return np.minimum(self.fx, self.fy) * self.size <= max(2.5, self.size / 32)


@lru_cache(maxsize=8)
def _grid(size: int) -> _Grid:
    window = np.outer(np.hanning(size), np.hanning(size)).astype(np.float32)
    fy = np.abs(np.fft.fftfreq(size))[:, None] * np.ones((1, size // 2 + 1))
    fx = np.fft.rfftfreq(size)[None, :] * np.ones((size, 1))
    return _Grid(size, window, fx, fy, np.sqrt(fx**2 + fy**2))


@lru_cache(maxsize=64)
def _block_grid_mask(size: int, period_key: int) -> NDArray[np.bool_]:
    """Spectrum rows/columns at the harmonics of a block grid (period in 1/100 px)."""
    grid = _grid(size)
    mask = np.zeros(grid.radius.shape, dtype=bool)
    period = period_key / 100
    if period <= 2.05:  # at or beyond Nyquist: the grid is gone
        return mask
    base = 1.0 / period
    for k in range(1, int(0.5 / base) + 1):
        mask |= np.abs(grid.fx - k * base) * size <= 1.5
        mask |= np.abs(grid.fy - k * base) * size <= 1.5
    return mask


def jpeg_grid_period(stored_long_side: int, analysis_long_side: int) -> float:
    """Period in analysis pixels of the JPEG 8x8 block grid of the stored image."""
    if stored_long_side <= 0:
        return 0.0
    return JPEG_BLOCK * analysis_long_side / stored_long_side


def _tiles(gray: NDArray[np.float32], size: int) -> NDArray[np.float32]:
    h, w = gray.shape
    ny, nx = h // size, w // size
    if ny == 0 or nx == 0:
        return np.zeros((0, size, size), np.float32)
    cut = gray[: ny * size, : nx * size]
    return cut.reshape(ny, size, nx, size).swapaxes(1, 2).reshape(-1, size, size)


def peak_prominence(
    channel: NDArray[np.float32], size: int, period: float
) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    """Per-tile log power minus its local background, shape (n, size, size//2+1).

    Also returns the mask of frequencies that are not JPEG block-grid harmonics.
    """
    grid = _grid(size)
    tiles = _tiles(channel, size)
    valid = ~_block_grid_mask(size, round(period * 100))
    if len(tiles) == 0:
        return np.zeros((0, *grid.radius.shape), np.float32), valid
    tiles = tiles - tiles.mean(axis=(1, 2), keepdims=True)
    spread = tiles.std(axis=(1, 2))
    count = min(MAX_TILES.get(size, len(spread)), max(4, int(len(spread) * TEXTURED_TILE_SHARE)))
    keep = np.argsort(spread)[::-1][:count]
    windowed = tiles[keep] * grid.window
    half = size // 2 + 1
    spectra = np.empty((len(windowed), size, half), np.float32)
    for i, tile in enumerate(windowed):
        # cv2.dft is several times faster than numpy's FFT on float32 tiles.
        complex_ = cv2.dft(np.ascontiguousarray(tile), flags=cv2.DFT_COMPLEX_OUTPUT)[:, :half]
        spectra[i] = complex_[..., 0] ** 2 + complex_[..., 1] ** 2
    logs = np.log(spectra + np.float32(1e-2))
    return np.asarray(logs - _box_mean(logs, BACKGROUND_KERNEL), np.float32), valid


def _box_mean(spectra: NDArray[np.float32], k: int) -> NDArray[np.float32]:
    """k x k mean of each (fy, fx) half-spectrum: fy wraps around, fx reflects at 0 and 0.5.

    Matching the spectrum's own symmetry keeps the features unchanged under a mirror.
    """
    r = k // 2
    n, h, w = spectra.shape
    padded = np.pad(spectra, ((0, 0), (r, r), (0, 0)), mode="wrap")
    padded = np.pad(padded, ((0, 0), (0, 0), (r, r)), mode="reflect")
    # One blur over the tiles stacked vertically: each tile's padding keeps its neighbours out.
    stacked = padded.reshape(n * (h + 2 * r), w + 2 * r)
    blurred = cv2.blur(stacked, (k, k)).reshape(padded.shape)
    return np.ascontiguousarray(blurred[:, r : r + h, r : r + w])


def _peak_stats(prominence: NDArray[np.float32], mask: NDArray[np.bool_]) -> tuple[float, float]:
    """Median and 80th percentile over tiles of the strongest peak inside ``mask``."""
    if len(prominence) == 0 or not mask.any():
        return 0.0, 0.0
    peaks = prominence[:, mask].max(axis=1)
    return float(np.median(peaks)), float(np.percentile(peaks, 80))


def spectral_features(rgb: NDArray[np.uint8], period: float) -> dict[str, float]:
    """Strongest spectral peak per tile (median and 80th percentile over tiles), per tile
    size, over all high frequencies and near the axes."""
    gray = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), np.float32)
    out: dict[str, float] = {}
    for size in TILE_SIZES:
        grid = _grid(size)
        prominence, valid = peak_prominence(gray, size, period)
        high = (grid.radius > PEAK_MIN_FREQUENCY) & valid
        for name, mask in (("all", high), ("axis", high & grid.near_axis())):
            median, p80 = _peak_stats(prominence, mask)
            out[f"peak{size}_{name}_med"] = median
            out[f"peak{size}_{name}_p80"] = p80
    return out


def thumbnail(rgb: NDArray[np.uint8], long_side: int = THUMB_LONG_SIDE) -> NDArray[np.uint8]:
    h, w = rgb.shape[:2]
    scale = long_side / max(h, w)
    if scale >= 1:
        return rgb
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.uint8)


def global_features(rgb: NDArray[np.uint8]) -> dict[str, float]:
    small = thumbnail(rgb)
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    lab = np.asarray(cv2.cvtColor(small, cv2.COLOR_RGB2LAB), np.float32)
    sat = hsv[..., 1].astype(np.float32) / 255
    value = hsv[..., 2].astype(np.float32) / 255
    light = lab[..., 0] * np.float32(100 / 255)
    p1, p5, p50, p95, p99 = np.percentile(light, [1, 5, 50, 95, 99])
    hist = np.bincount(np.clip(light.ravel() * 0.63, 0, 63).astype(np.int64), minlength=64)
    prob = hist[hist > 0] / light.size
    h, w = light.shape
    bh, bw = max(1, h // 10), max(1, w // 10)
    sides = [light[:bh], light[-bh:], light[:, :bw], light[:, -bw:]]
    side_means = [float(s.mean()) for s in sides]
    centre = float(light[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4].mean())
    band = np.concatenate([s.ravel() for s in sides])
    return {
        "sat_mean": float(sat.mean()),
        "sat_p90": float(np.percentile(sat, 90)),
        "lab_a": float(lab[..., 1].mean() - 128),
        "lab_b": float(lab[..., 2].mean() - 128),
        "light_p1": float(p1),
        "light_p50": float(p50),
        "light_p99": float(p99),
        "light_range": float(p95 - p5),
        "light_std": float(light.std()),
        "light_entropy": float(-(prob * np.log(prob)).sum()),
        "dark_share": float(np.mean(light < 10)),
        "clipped_share": float(np.mean(small.max(axis=2) >= 250)),
        "glare_share": float(np.mean((value > 0.96) & (sat < 0.12))),
        "border_min_vs_centre": min(side_means) - centre,
        "border_mean_vs_centre": float(np.mean(side_means)) - centre,
        "border_max_vs_centre": max(side_means) - centre,
        "border_dark_share": float(np.mean(band < 12)),
        "border_p5": float(np.percentile(band, 5)),
        "centre_vs_border_p95": float(
            np.percentile(light[h // 4 : 3 * h // 4, w // 4 : 3 * w // 4], 95)
            - np.percentile(band, 95)
        ),
        "screen_contrast": _bright_region_contrast(light),
    }


def _bright_region_contrast(light: NDArray[np.float32]) -> float:
    """Lightness inside minus outside the bright region that holds the centre.

    A lit screen or a print under a lamp is a bright connected patch in a darker room;
    Otsu's threshold splits the two, whatever the exposure.
    """
    levels = np.clip(light * 2.55, 0, 255).astype(np.uint8)
    _, bright = cv2.threshold(levels, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    _, labels = cv2.connectedComponents(bright)
    h, w = light.shape
    centre = labels[h // 2 - h // 8 : h // 2 + h // 8 + 1, w // 2 - w // 8 : w // 2 + w // 8 + 1]
    ids, counts = np.unique(centre[centre > 0], return_counts=True)
    if len(ids) == 0:
        return 0.0
    inside = labels == ids[np.argmax(counts)]
    if inside.all():
        return 0.0
    return float(light[inside].mean() - light[~inside].mean())


def extract(rgb: NDArray[np.uint8], *, jpeg_period: float) -> dict[str, float]:
    """Every feature of one upright analysis image (RGB uint8, (H, W, 3)), by name."""
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an RGB image of shape (H, W, 3), got {rgb.shape}")
    return {**spectral_features(rgb, jpeg_period), **global_features(rgb)}
