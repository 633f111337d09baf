"""Perceptual hashes: pHash and dHash (64 bits) and PDQ (256 bits).

Hashes are computed on the reduced analysis image: pHash/dHash shrink to 32x32 / 9x8 and PDQ
to 64x64 internally, so a 1/4 or 1/8 JPEG decode gives the same bits as the full image at a
fraction of the cost (PDQ on a full 12 MP image takes ~440 ms, on 1/8 ~2 ms).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import cv2
import imagehash
import numpy as np
import pdqhash
from numpy.typing import NDArray
from PIL import Image

from shelfaudit.domain.checks import HashResult

VERSION = "hashes-2"

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


def _undo(turns: int, transpose: bool) -> Callable[[NDArray[Any]], NDArray[Any]]:
    def apply(a: NDArray[Any]) -> NDArray[Any]:
        a = np.rot90(a, turns)
        return a.swapaxes(0, 1) if transpose else a

    return apply


# The eight rotations and mirrors of a picture, named by how a copy differs from its source
# (rotate_90: turned 90° counter-clockwise, as PIL's ROTATE_90). Each entry undoes that
# change, so the hashes of undo(copy) are those of the source, bit for bit up to the
# copy's own re-encoding. (pdqhash.compute_dihedral approximates them from the upright DCT,
# 12-38 bits off on real photos: too far for the match threshold.)
DIHEDRAL: dict[str, Callable[[NDArray[Any]], NDArray[Any]]] = {
    "identity": _undo(0, False),
    "rotate_90": _undo(-1, False),
    "rotate_180": _undo(2, False),
    "rotate_270": _undo(1, False),
    "flip_horizontal": lambda a: a[:, ::-1],
    "flip_vertical": lambda a: a[::-1],
    "transpose": _undo(0, True),
    "transverse": _undo(2, True),
}
_SWAPS_AXES = frozenset({"rotate_90", "rotate_270", "transpose", "transverse"})


# scipy.fftpack.dct's unnormalised DCT-II (what imagehash.phash uses) as a matrix.
_DCT32 = 2 * np.cos(np.pi * np.arange(32)[:, None] * (2 * np.arange(32)[None, :] + 1) / 64)


def _phash_bits(pixels: NDArray[Any]) -> NDArray[np.uint8]:
    # imagehash.phash after its resize: 2-D DCT of 32x32 grey, 8x8 lowest, above the median.
    low = (_DCT32 @ pixels @ _DCT32.T)[:8, :8]
    bits: NDArray[np.uint8] = (low > np.median(low)).astype(np.uint8)
    return bits


# PDQ as linear algebra. pdqhash blurs the luma twice with box filters along each axis
# (window ceil(side / 128), shrinking at the edges), samples 64 x 64 points and keeps a
# 16 x 16 DCT: all linear, so its 64 x 64 buffer is M_H @ luma @ M_W.T with one banded
# (64, side) matrix per axis. Undoing a flip reverses an axis, a transpose swaps the two
# products: the eight variants cost one blur (~1 ms) where eight pdqhash calls cost
# ~35 ms, with the same bits (float rounding aside; tested against pdqhash). The banded
# products are gathers, not BLAS calls, whose threads stall on a busy machine.
_PDQ_DCT = (
    np.sqrt(2 / 64)
    * np.cos(np.pi / 128 * np.arange(1, 17)[:, None] * (2 * np.arange(64)[None, :] + 1))
).astype(np.float32)

# DIHEDRAL name -> the undo as (reverse rows, reverse columns, then transpose).
_PDQ_UNDO = {
    "identity": (False, False, False),
    "rotate_90": (True, False, True),
    "rotate_180": (True, True, False),
    "rotate_270": (False, True, True),
    "flip_horizontal": (False, True, False),
    "flip_vertical": (True, False, False),
    "transpose": (False, False, True),
    "transverse": (True, True, True),
}


@lru_cache(maxsize=64)
def _pdq_axis(length: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """PDQ's two box blurs along an axis of ``length``, then its 64 samples, as a banded
    (64, length) matrix: ``(indices (64, K), weights (64, K))`` of each row's non-zeros."""
    full = (length + 127) // 128
    half = (full + 2) // 2
    k = np.arange(length)
    start, end = np.maximum(k - (full - half), 0), np.minimum(k + half - 1, length - 1)
    inside = (k[None, :] >= start[:, None]) & (k[None, :] <= end[:, None])
    box = inside / (end - start + 1)[:, None]
    rows = np.minimum(((np.arange(64) + 0.5) * length / 64).astype(np.int64), length - 1)
    matrix = box[rows] @ box
    width = int((matrix > 0).sum(axis=1).max())
    order = np.argsort(matrix <= 0, axis=1, kind="stable")[:, :width]  # non-zeros first
    return order, np.take_along_axis(matrix, order, axis=1).astype(np.float32)


def _pdq_variants(small: NDArray[np.uint8]) -> list[str]:
    """pdqhash.compute(undo(small)) for every ``DIHEDRAL`` undo, from one blur."""
    # The luma exactly as pdqhash computes it.
    luma = (small[:, :, 0] * 0.299 + small[:, :, 1] * 0.587 + small[:, :, 2] * 0.114).astype(
        np.float32
    )
    (h, w), (rows_at, rows_w), (cols_at, cols_w) = (
        luma.shape,
        _pdq_axis(luma.shape[0]),
        _pdq_axis(luma.shape[1]),
    )
    down = {
        rev: (luma[(h - 1 - rows_at) if rev else rows_at] * rows_w[:, :, None]).sum(axis=1)
        for rev in (False, True)
    }  # (64, w) each
    out = []
    for name in DIHEDRAL:
        rows_reversed, cols_reversed, transposed = _PDQ_UNDO[name]
        at = (w - 1 - cols_at) if cols_reversed else cols_at
        buffer = (down[rows_reversed][:, at] * cols_w[None, :, :]).sum(axis=2)  # (64, 64)
        coefficients = _PDQ_DCT @ buffer @ _PDQ_DCT.T
        flat = (coefficients.T if transposed else coefficients).ravel()
        median = np.partition(flat, 127)[127]  # pdqhash's median of 256 is the lower one
        out.append(bits_to_hex((flat > median)[::-1].astype(np.uint8)))
    return out


def dihedral_hashes(small: NDArray[np.uint8]) -> tuple[list[str], list[str], list[str]]:
    """PDQ, pHash and dHash of ``small`` with each ``DIHEDRAL`` change undone.

    pHash and dHash resize first and transform the thumbnails (what imagehash gives on the
    transformed image, up to the resampler's rounding); PDQ works on the 512 px image
    (``_pdq_variants``), since its own filtering is not symmetric.
    """
    grey = Image.fromarray(small).convert("L")
    lanczos = Image.Resampling.LANCZOS
    g32 = np.asarray(grey.resize((32, 32), lanczos), dtype=np.float64)
    wide = np.asarray(grey.resize((9, 8), lanczos))  # (8, 9): dHash compares columns
    tall = np.asarray(grey.resize((8, 9), lanczos))
    phashes, dhashes = [], []
    for name, undo in DIHEDRAL.items():
        phashes.append(bits_to_hex(_phash_bits(undo(g32)).ravel()))
        d = undo(tall) if name in _SWAPS_AXES else undo(wide)
        dhashes.append(bits_to_hex((d[:, 1:] > d[:, :-1]).ravel().astype(np.uint8)))
    return _pdq_variants(small), phashes, dhashes


# Border trimming. A photo re-sent as a screenshot (the photo on a phone screen, black or
# white bars around it, a status bar) or with a frame added hashes far from its source; the
# same hashes taken on the content inside the bars find it again. A line (row or column) is
# border when it is flat (grey spread below BORDER_STD); the content is the longest run of
# lines that is not broken by BORDER_MIN_GAP of border lines in a row.
BORDER_STD = 6.0
BORDER_MIN_GAP = 0.01  # of the side: shorter flat runs (a flat band in a photo) stay content
TRIM_MIN = 0.04  # trimmed only when the bars take at least this share of a side
KEEP_MIN = 0.25  # and the content keeps at least this share of each side
TRIMMED_VARIANT = "border_trimmed"
# An earlier photo's inside-bars hashes matched: the new photo is it without its bars.
BARS_REMOVED = "bars_removed"
# Both photos' inside-bars hashes matched: the same picture inside the same kind of bars
# (often a flat band of the photo itself), nothing added or cut.
INSIDE_BOTH = "inside_bars_both"


def _runs(mask: NDArray[np.bool_]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Starts and ends ``[s, e)`` of the runs of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return edges[::2], edges[1::2]


def _content_span(flat: NDArray[np.bool_]) -> tuple[int, int]:
    """``[start, end)`` of the longest run of content lines: flat runs at either end, or at
    least ``BORDER_MIN_GAP`` long, separate content; shorter ones inside it stay."""
    n = len(flat)
    min_gap = max(2, round(n * BORDER_MIN_GAP))
    border = np.zeros(n, dtype=bool)
    for s, e in zip(*_runs(flat), strict=True):
        if e - s >= min_gap or s == 0 or e == n:
            border[s:e] = True
    starts, ends = _runs(~border)
    if len(starts) == 0:
        return 0, n
    best = int(np.argmax(ends - starts))
    return int(starts[best]), int(ends[best])


def content_box(rgb: NDArray[np.uint8]) -> tuple[int, int, int, int] | None:
    """``(left, top, right, bottom)`` of the picture inside flat bars, or None when there
    are no bars worth trimming."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    h, w = grey.shape
    top, bottom = _content_span(grey.std(axis=1) < BORDER_STD)
    left, right = _content_span(grey[top:bottom].std(axis=0) < BORDER_STD)
    kept_h, kept_w = (bottom - top) / h, (right - left) / w
    if kept_h < KEEP_MIN or kept_w < KEEP_MIN or min(kept_h, kept_w) > 1 - TRIM_MIN:
        return None
    return left, top, right, bottom


def _inside(
    rgb: NDArray[np.uint8], small: NDArray[np.uint8], box: tuple[int, int, int, int]
) -> NDArray[np.uint8]:
    """The part of ``rgb`` inside ``box``, a box found on its ``small`` copy."""
    sy, sx = rgb.shape[0] / small.shape[0], rgb.shape[1] / small.shape[1]
    left, top, right, bottom = box
    return np.ascontiguousarray(
        rgb[round(top * sy) : round(bottom * sy), round(left * sx) : round(right * sx)]
    )


def inside_bars(rgb: NDArray[np.uint8]) -> NDArray[np.uint8] | None:
    """The picture inside flat bars of an RGB image (as ``compute`` trims it), or None."""
    small = hash_image(rgb)
    box = content_box(small)
    return None if box is None else _inside(rgb, small, box)


def inside_hashes(result: HashResult) -> tuple[str, str, str] | None:
    """pHash, dHash and PDQ of the picture inside a photo's flat bars (``compute`` put them
    after the dihedral variants), or None when the photo has no bars."""
    n = len(DIHEDRAL)
    if len(result.pdq_variants) <= n:
        return None
    return result.phash_variants[n], result.dhash_variants[n], result.pdq_variants[n]


def _plain_hashes(small: NDArray[np.uint8]) -> tuple[str, str, str, int]:
    """pHash, dHash, PDQ and PDQ quality of an image as it is."""
    image = Image.fromarray(small)
    pdq_bits, quality = pdqhash.compute(small)
    return (
        str(imagehash.phash(image)),
        str(imagehash.dhash(image)),
        bits_to_hex(pdq_bits),
        int(quality),
    )


def compute(rgb: NDArray[np.uint8]) -> HashResult:
    """Hash the upright analysis image (RGB uint8, (H, W, 3)), with its dihedral variants
    and, when the photo sits inside flat bars, the hashes of what is inside them."""
    started = time.perf_counter()
    small = hash_image(rgb)
    phash, dhash, pdq, quality = _plain_hashes(small)
    pdqs, phashes, dhashes = dihedral_hashes(small)
    pdqs[0], phashes[0], dhashes[0] = pdq, phash, dhash
    box = content_box(small)  # found on the small copy, cut from the larger one
    if box is not None:
        inner = hash_image(_inside(rgb, small, box))
        t_phash, t_dhash, t_pdq, _ = _plain_hashes(inner)
        pdqs, phashes, dhashes = [*pdqs, t_pdq], [*phashes, t_phash], [*dhashes, t_dhash]
    return HashResult(
        version=VERSION,
        ms=(time.perf_counter() - started) * 1000,
        phash=phash,
        dhash=dhash,
        pdq=pdq,
        pdq_quality=quality,
        pdq_variants=tuple(pdqs),
        phash_variants=tuple(phashes),
        dhash_variants=tuple(dhashes),
    )
