"""JPEG-level evidence: quantisation-table fingerprints and the EXIF thumbnail.

- Camera firmware of one phone model writes a small, stable set of quantisation tables;
  a file re-saved by an editor or a fake-camera app usually carries other tables.
- Editors often keep the original EXIF block, thumbnail included, while the pixels change:
  a thumbnail that no longer looks like the image is evidence of editing.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import ExifTags, Image, UnidentifiedImageError

from shelfaudit.analyse.orientation import TRANSPOSE

THUMBNAIL_SIDE = 160  # the EXIF standard thumbnail size; larger ones are shrunk to it


def quant_fingerprint(image: Image.Image) -> str | None:
    """A short digest of the JPEG quantisation tables; None for other formats."""
    tables = getattr(image, "quantization", None)
    if not tables:
        return None
    digest = hashlib.sha1(usedforsecurity=False)
    for index in sorted(tables):
        digest.update(bytes([index]))
        digest.update(bytes(int(v) & 0xFF for v in tables[index]))
    return digest.hexdigest()[:16]


def exif_thumbnail(image: Image.Image) -> bytes | None:
    """The JPEG thumbnail stored in EXIF IFD1, if any."""
    app1 = next(
        (
            data
            for marker, data in getattr(image, "applist", [])
            if marker == "APP1" and data[:6] == b"Exif\x00\x00"
        ),
        None,
    )
    if app1 is None:
        return None
    ifd1 = image.getexif().get_ifd(ExifTags.IFD.IFD1)
    offset, length = ifd1.get(0x0201), ifd1.get(0x0202)
    if not isinstance(offset, int) or not isinstance(length, int) or length <= 0:
        return None
    tiff = app1[6:]
    blob = tiff[offset : offset + length]
    return blob if blob[:2] == b"\xff\xd8" and len(blob) == length else None


def _content_box(gray: NDArray[np.uint8]) -> tuple[int, int, int, int]:
    """Crop black letterbox bars that cameras add when the thumbnail aspect differs."""
    rows = np.flatnonzero(gray.mean(axis=1) > 12)
    cols = np.flatnonzero(gray.mean(axis=0) > 12)
    if len(rows) < 4 or len(cols) < 4:
        return 0, gray.shape[0], 0, gray.shape[1]
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


@dataclass(frozen=True)
class ThumbnailComparison:
    """How well the image matches its EXIF thumbnail, after aligning for crops.

    ``correlation``: normalised cross-correlation of the best alignment (1 = same picture).
    ``worst_cell``: the largest mean absolute difference (normalised luma) over a 4x4 grid
    of the aligned picture; a pasted or removed object shows up here.
    """

    correlation: float
    worst_cell: float
    scale: float


def _normalise(a: NDArray[np.float32]) -> NDArray[np.float32]:
    out: NDArray[np.float32] = (a - a.mean()) / (a.std() + 1e-6)
    return out


ASPECT_TOLERANCE = 0.05  # log ratio of aspects below which thumbnail and image are alike

_Found = tuple[float, float, NDArray[np.float32], NDArray[np.float32]]


def _centre_at_aspect(gray: NDArray[np.uint8], aspect: float) -> NDArray[np.uint8]:
    """The largest centred part of ``gray`` whose width / height is ``aspect``."""
    height, width = gray.shape
    if width / height > aspect:
        keep = max(1, round(height * aspect))
        left = (width - keep) // 2
        return gray[:, left : left + keep]
    keep = max(1, round(width / aspect))
    top = (height - keep) // 2
    return gray[top : top + keep, :]


def _search(haystack: NDArray[np.float32], gray: NDArray[np.uint8]) -> _Found | None:
    """The best match of ``gray`` inside ``haystack`` at scales from 100 % to 50 %:
    (correlation, scale, needle, the window it matched)."""
    # Shrink once to about the thumbnail's size; each scale below then resizes a tiny image.
    shrink = min(1.0, 2 * max(haystack.shape) / max(gray.shape))
    if shrink < 1.0:
        gray = np.asarray(
            cv2.resize(gray, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA), np.uint8
        )
    best: _Found | None = None
    for scale in np.linspace(1.0, 0.5, 11):
        fit = min(haystack.shape[1] / gray.shape[1], haystack.shape[0] / gray.shape[0]) * scale
        size = (max(8, round(gray.shape[1] * fit)), max(8, round(gray.shape[0] * fit)))
        if size[0] > haystack.shape[1] or size[1] > haystack.shape[0]:
            continue
        needle = cv2.resize(gray, size, interpolation=cv2.INTER_AREA).astype(np.float32)
        scores = cv2.matchTemplate(haystack, needle, cv2.TM_CCOEFF_NORMED)
        _, value, _, (x, y) = cv2.minMaxLoc(scores)
        if best is None or value > best[0]:
            window = haystack[y : y + size[1], x : x + size[0]]
            best = (float(value), float(scale), needle, window)
    return best


def compare_thumbnail(
    thumbnail: bytes, upright_rgb: NDArray[np.uint8], orientation: int
) -> ThumbnailComparison | None:
    """Compare the EXIF thumbnail (stored orientation) with the upright image.

    The image may be a crop of what the thumbnail shows (a rep cropping a photo is not
    fraud), so the image is searched inside the thumbnail at scales from 50 % to 100 %; where
    the two differ in shape, so is the image's centre at the thumbnail's shape (what some
    phones store as the thumbnail), and the better match counts.
    """
    try:
        with Image.open(io.BytesIO(thumbnail)) as thumb:
            gray_thumb = thumb.convert("L")
            if orientation in TRANSPOSE:
                gray_thumb = gray_thumb.transpose(TRANSPOSE[orientation])
            small = np.asarray(gray_thumb, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    top, bottom, left, right = _content_box(small)
    haystack = small[top:bottom, left:right].astype(np.float32)
    if max(haystack.shape) > THUMBNAIL_SIDE:
        # Some cameras store 512 px thumbnails; 160 px is plenty to see an edit.
        scale = THUMBNAIL_SIDE / max(haystack.shape)
        size = (
            max(16, round(haystack.shape[1] * scale)),
            max(16, round(haystack.shape[0] * scale)),
        )
        haystack = np.asarray(
            cv2.resize(haystack, size, interpolation=cv2.INTER_AREA), dtype=np.float32
        )
    if min(haystack.shape) < 16:
        return None
    gray = np.asarray(cv2.cvtColor(upright_rgb, cv2.COLOR_RGB2GRAY), np.uint8)
    views = [gray]
    aspect = haystack.shape[1] / haystack.shape[0]
    if abs(np.log(aspect * gray.shape[0] / gray.shape[1])) > ASPECT_TOLERANCE:
        # Some phones store the centre of a 9:16 photo as a 3:4 thumbnail (Moto G4:
        # correlation 0.99 with the centre, 0.28-0.64 searched whole).
        views.append(_centre_at_aspect(gray, aspect))
    found = [_search(haystack, view) for view in views]
    best = max((f for f in found if f is not None), key=lambda f: f[0], default=None)
    if best is None:
        return None
    correlation, scale, needle, window = best
    diff = np.abs(_normalise(needle) - _normalise(window))
    rows = np.array_split(np.arange(diff.shape[0]), 4)
    cols = np.array_split(np.arange(diff.shape[1]), 4)
    worst = max(float(diff[np.ix_(r, c)].mean()) for r in rows for c in cols)
    return ThumbnailComparison(correlation=correlation, worst_cell=worst, scale=scale)
