"""Photos as analysis images, and random training patches cut from them.

The patch classifier looks at 64 px squares of the image the pipeline decodes (long side
about 1024 px): at that scale a screen's sub-pixel grid and moiré, a print's halftone and
the sheen of glass are still visible, while the scene's content is mostly cut away.

Each training patch is varied the way photos vary in the field: a random scale (0.55-1x,
the photo taken or forwarded at a lower resolution), JPEG recompression (quality 50-95,
the messenger), a random flip or quarter turn. Neither resolution nor JPEG settings can
then stand in for the label.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing import Pool

import cv2
import numpy as np
from numpy.typing import NDArray

from shelfaudit.analyse import decode
from training.recapture.data import Sample

log = logging.getLogger(__name__)

PATCH = 64
LONG_SIDE = 1024  # Settings.quality_long_side
MAX_PIXELS = 100_000_000


@dataclass(frozen=True)
class Photo:
    rgb: NDArray[np.uint8]  # (H, W, 3) analysis image
    positive: bool
    source: str
    path: str


def _load(sample: Sample) -> Photo:
    cv2.setNumThreads(1)
    rgb = decode.decode(
        sample.path.read_bytes(), target_long_side=LONG_SIDE, max_pixels=MAX_PIXELS
    ).rgb
    return Photo(rgb=rgb, positive=sample.positive, source=sample.source, path=str(sample.path))


def load_photos(samples: Sequence[Sample], *, workers: int) -> list[Photo]:
    log.info("decoding %d photos on %d workers", len(samples), workers)
    if workers > 1:
        with Pool(workers) as pool:
            return pool.map(_load, samples, chunksize=8)
    return [_load(s) for s in samples]


def random_patch(photo: Photo, rng: np.random.Generator) -> NDArray[np.uint8]:
    """One varied ``PATCH`` x ``PATCH`` RGB patch of ``photo``."""
    height, width = photo.rgb.shape[:2]
    scale = rng.uniform(0.55, 1.0)
    side = min(round(PATCH / scale), height, width)
    y = int(rng.integers(0, height - side + 1))
    x = int(rng.integers(0, width - side + 1))
    patch = photo.rgb[y : y + side, x : x + side]
    if side != PATCH:
        patch = cv2.resize(patch, (PATCH, PATCH), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.6:
        quality = int(rng.integers(50, 96))
        ok, buffer = cv2.imencode(".jpg", patch[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
        if ok:
            patch = cv2.imdecode(buffer, cv2.IMREAD_COLOR)[:, :, ::-1]
    patch = np.rot90(patch, int(rng.integers(4)))
    if rng.random() < 0.5:
        patch = patch[:, ::-1]
    return np.ascontiguousarray(patch)


def grid_patches(rgb: NDArray[np.uint8], count: int) -> NDArray[np.uint8]:
    """Up to ``count`` patches on an even grid over the image, shape (n, PATCH, PATCH, 3)."""
    height, width = rgb.shape[:2]
    if height < PATCH or width < PATCH:
        padded = np.zeros((max(height, PATCH), max(width, PATCH), 3), np.uint8)
        padded[:height, :width] = rgb
        rgb, height, width = padded, padded.shape[0], padded.shape[1]
    rows = max(1, height // PATCH)
    cols = max(1, width // PATCH)
    # Fewer, evenly spaced rows and columns when the full grid holds more than ``count``.
    while rows * cols > count:
        if rows >= cols:
            rows -= 1
        else:
            cols -= 1
    ys = np.linspace(0, height - PATCH, rows).round().astype(int)
    xs = np.linspace(0, width - PATCH, cols).round().astype(int)
    return np.stack([rgb[y : y + PATCH, x : x + PATCH] for y in ys for x in xs])
