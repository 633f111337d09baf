"""Local features for the second stage: ORB keypoints and descriptors, and a grey thumbnail.

Extracted once per photo from the upright analysis image (~1024 px), kept in the object
store next to the original (about 30 KB) and read back only when the photo is a candidate.
ORB is rotation-invariant and multi-scale, so crops, resizes and rotations keep most
keypoints; it is not mirror-invariant (the hash stage's dihedral variants cover mirrors).
The thumbnail lets verification compare the pictures themselves once the keypoints have
aligned them (``verify.similarity``).
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from shelfaudit.analyse.hashes import inside_bars

VERSION = "orb-2"

MAX_KEYPOINTS = 500
# Detect more than we keep, then keep the strongest per cell of a GRID x GRID grid, so that
# a crop that loses one side of the picture still leaves keypoints to match.
DETECT_FACTOR = 3
GRID = 4
# ORB's pyramid and its 31 px patches need this much picture on the short side.
MIN_SIDE = 32
THUMBNAIL_SIDE = 256
THUMBNAIL_QUALITY = 80


@dataclass(frozen=True)
class LocalFeatures:
    """``points (K, 2) float32``: x, y in pixels of the analysis image (``width`` x
    ``height``); ``descriptors (K, 32) uint8``: 256-bit ORB descriptors; ``thumbnail
    (h, w) uint8``: the grey picture, long side ``THUMBNAIL_SIDE`` (or smaller)."""

    points: NDArray[np.float32]
    descriptors: NDArray[np.uint8]
    width: int
    height: int
    thumbnail: NDArray[np.uint8]

    def __post_init__(self) -> None:
        k = len(self.points)
        if self.points.shape != (k, 2) or self.descriptors.shape != (k, 32):
            raise ValueError(
                f"expected points (K, 2) and descriptors (K, 32), got {self.points.shape} "
                f"and {self.descriptors.shape}"
            )
        if self.thumbnail.ndim != 2:
            raise ValueError(f"expected a 2-D grey thumbnail, got {self.thumbnail.shape}")

    def __len__(self) -> int:
        return len(self.points)

    @property
    def thumbnail_scale(self) -> float:
        """Thumbnail pixels per analysis-image pixel."""
        return self.thumbnail.shape[1] / self.width if self.width else 0.0

    @classmethod
    def empty(cls, width: int = 0, height: int = 0) -> LocalFeatures:
        return cls(
            np.zeros((0, 2), np.float32),
            np.zeros((0, 32), np.uint8),
            width,
            height,
            np.zeros((0, 0), np.uint8),
        )


@dataclass(frozen=True)
class Extracted:
    features: LocalFeatures
    ms: float


def features_key(sha256: str) -> str:
    """Where a photo's features live in the object store (derived from its original)."""
    return f"derived/{VERSION}/{sha256[:2]}/{sha256[2:4]}/{sha256}.npz"


def _spread(keypoints: list[cv2.KeyPoint], width: int, height: int, keep: int) -> list[int]:
    """Indices of ``keep`` keypoints: the strongest per grid cell first, then the rest."""
    if len(keypoints) <= keep:
        return list(range(len(keypoints)))
    xy = np.array([k.pt for k in keypoints], np.float32)
    response = np.array([k.response for k in keypoints], np.float32)
    cell_x = np.minimum((xy[:, 0] * GRID / max(width, 1)).astype(int), GRID - 1)
    cell = np.minimum((xy[:, 1] * GRID / max(height, 1)).astype(int), GRID - 1) * GRID + cell_x
    by_strength = np.argsort(-response, kind="stable")
    quota = keep // (GRID * GRID)
    taken = np.zeros(len(keypoints), np.bool_)
    per_cell = np.zeros(GRID * GRID, np.int64)
    for i in by_strength:
        if per_cell[cell[i]] < quota:
            taken[i] = True
            per_cell[cell[i]] += 1
    rest = [int(i) for i in by_strength if not taken[i]][: keep - int(taken.sum())]
    return [*np.flatnonzero(taken).tolist(), *rest]


def thumbnail_of(gray: NDArray[np.uint8]) -> NDArray[np.uint8]:
    scale = min(1.0, THUMBNAIL_SIDE / max(gray.shape))
    size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
    small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(small, dtype=np.uint8)


def extract(rgb: NDArray[np.uint8], *, max_keypoints: int = MAX_KEYPOINTS) -> Extracted:
    """ORB features and the thumbnail of an RGB ``(H, W, 3)`` image."""
    started = time.perf_counter()
    gray = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), np.uint8)
    height, width = gray.shape
    thumbnail = thumbnail_of(gray)
    keypoints: Sequence[cv2.KeyPoint] = ()
    descriptors = None
    if min(height, width) >= MIN_SIDE:
        orb = cv2.ORB.create(nfeatures=max_keypoints * DETECT_FACTOR, fastThreshold=12)
        detected = list(orb.detect(gray, None))
        chosen = [detected[i] for i in _spread(detected, width, height, max_keypoints)]
        keypoints, descriptors = orb.compute(gray, chosen)
    if descriptors is None or not keypoints:
        features = LocalFeatures.empty(width, height)
        features = LocalFeatures(features.points, features.descriptors, width, height, thumbnail)
    else:
        features = LocalFeatures(
            points=np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2),
            descriptors=np.ascontiguousarray(descriptors, dtype=np.uint8),
            width=width,
            height=height,
            thumbnail=thumbnail,
        )
    return Extracted(features, (time.perf_counter() - started) * 1000)


def extract_mirrored(rgb: NDArray[np.uint8]) -> Extracted:
    """Features of ``rgb`` mirrored left to right: ORB descriptors are not mirror-invariant,
    so a mirrored copy shares almost no keypoints with its source."""
    return extract(np.ascontiguousarray(rgb[:, ::-1]))


def extract_inside_bars(rgb: NDArray[np.uint8]) -> Extracted | None:
    """Features of the picture inside flat bars (a screenshot, a frame), brought back to the
    long side of ``rgb``, so its keypoints have the scale of the photo it shows; None when
    there are no bars."""
    inside = inside_bars(rgb)
    if inside is None:
        return None
    long_side = max(rgb.shape[:2])
    scale = long_side / max(inside.shape[:2])
    size = (max(1, round(inside.shape[1] * scale)), max(1, round(inside.shape[0] * scale)))
    resized = cv2.resize(inside, size, interpolation=cv2.INTER_CUBIC)
    return extract(np.ascontiguousarray(resized, dtype=np.uint8))


def to_bytes(features: LocalFeatures) -> bytes:
    thumbnail = b""
    if features.thumbnail.size:
        ok, encoded = cv2.imencode(
            ".jpg", features.thumbnail, [cv2.IMWRITE_JPEG_QUALITY, THUMBNAIL_QUALITY]
        )
        thumbnail = encoded.tobytes() if ok else b""
    buffer = io.BytesIO()
    np.savez(
        buffer,
        version=np.array(VERSION),
        points=features.points,
        descriptors=features.descriptors,
        size=np.array([features.width, features.height], np.int32),
        thumbnail=np.frombuffer(thumbnail, np.uint8),
    )
    return buffer.getvalue()


def from_bytes(data: bytes) -> LocalFeatures:
    """Raises ``ValueError`` for bytes that are not features of this version."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            version = str(stored["version"])
            width, height = (int(v) for v in stored["size"])
            points = stored["points"].astype(np.float32)
            descriptors = stored["descriptors"].astype(np.uint8)
            encoded = stored["thumbnail"]
    except (OSError, KeyError, EOFError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"unreadable features: {exc}") from exc
    if version != VERSION:
        raise ValueError(f"features of version {version}, expected {VERSION}")
    thumbnail = np.zeros((0, 0), np.uint8)
    if encoded.size:
        decoded = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
        if decoded is None:
            raise ValueError("unreadable features: the thumbnail does not decode")
        thumbnail = np.asarray(decoded, np.uint8)
    return LocalFeatures(points, descriptors, width, height, thumbnail)
