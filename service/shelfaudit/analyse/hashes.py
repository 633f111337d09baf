"""Perceptual hashes: pHash and dHash (64 bits) and PDQ (256 bits).

Hashes are computed on the reduced analysis image: pHash/dHash shrink to 32x32 / 9x8 and PDQ
to 64x64 internally, so a 1/4 or 1/8 JPEG decode gives the same bits as the full image at a
fraction of the cost (PDQ on a full 12 MP image takes ~440 ms, on 1/8 ~2 ms).
"""

from __future__ import annotations

import time

import cv2
import imagehash
import numpy as np
import pdqhash
from numpy.typing import NDArray
from PIL import Image

from shelfaudit.domain.checks import HashResult

VERSION = "hashes-1"

# Hashes are taken from a 512 px copy: PDQ costs ~20 ms at 1024 px and ~2.4 ms at 512 px,
# and all three hashes shrink far below 512 px internally anyway.
HASH_LONG_SIDE = 512


def hash_image(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The area-averaged 512 px copy every hash is computed from."""
    scale = HASH_LONG_SIDE / max(rgb.shape[:2])
    if scale >= 1:
        return np.ascontiguousarray(rgb)
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def bits_to_hex(bits: NDArray[np.integer]) -> str:
    """A bit vector (most significant first) as lowercase hex."""
    packed = np.packbits(np.asarray(bits, dtype=np.uint8))
    return packed.tobytes().hex()


def compute(rgb: NDArray[np.uint8]) -> HashResult:
    """Hash the upright analysis image (RGB uint8, (H, W, 3))."""
    started = time.perf_counter()
    small = hash_image(rgb)
    image = Image.fromarray(small)
    phash = str(imagehash.phash(image))
    dhash = str(imagehash.dhash(image))
    pdq_bits, quality = pdqhash.compute(small)
    return HashResult(
        version=VERSION,
        ms=(time.perf_counter() - started) * 1000,
        phash=phash,
        dhash=dhash,
        pdq=bits_to_hex(pdq_bits),
        pdq_quality=int(quality),
    )
