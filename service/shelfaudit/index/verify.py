"""Geometric verification: do two photos show the same picture, up to a plane projection?

Descriptors are matched both ways (nearest neighbour with Lowe's ratio test, one match per
keypoint), then a homography is fitted with RANSAC. A crop, resize, small rotation, border
or a re-shot of a screen or print maps the earlier photo onto the new one by one
homography, so its inliers run into the hundreds; two different photos leave a handful,
or a degenerate fit (everything collapsed onto one spot), which the sanity checks reject.

Two photos of the same shelf taken minutes apart also align, with dozens of inliers on
the static products. What mostly tells them from a copy is the picture itself: once
aligned, a copy's thumbnail correlates with its source almost perfectly, a second shot
usually less (``similarity``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import faiss
import numpy as np
from numpy.typing import NDArray

from shelfaudit.index.features import LocalFeatures


@dataclass(frozen=True)
class VerifyConfig:
    # Calibrated on 420 real photos (88k distinct pairs) and copies of 60 of them, then
    # checked on 1,042 others with ``shelfaudit eval duplicates --all-pairs``.
    min_inliers: int = 20
    min_similarity: float = 0.93  # gradient correlation of the aligned thumbnails
    ratio: float = 0.8  # Lowe's ratio test
    reprojection_px: float = 6.0  # RANSAC threshold, pixels of the earlier photo's image
    min_coverage: float = 0.02  # inlier hull, as a share of each image's area
    max_anisotropy: float = 4.0  # stretch of the fitted map (perspective of a screen shot)
    max_area_change: float = 25.0  # how much bigger or smaller the new photo's frame maps


@dataclass(frozen=True)
class Verification:
    matches: int  # one-to-one matches that passed the ratio test
    inliers: int  # of those, consistent with the homography (0 when it is implausible)
    coverage: float  # the smaller share of either image covered by the inliers' hull
    similarity: float  # gradient correlation of the aligned pictures (-1..1, 0: not tried)
    ms: float
    # How far the new photo is turned from the earlier one, counter-clockwise, to the nearest
    # quarter turn (0, 90, 180, 270): the fitted map's rotation; 0 when nothing was fitted.
    turn: int = 0

    def verified(self, config: VerifyConfig) -> bool:
        return (
            self.inliers >= config.min_inliers
            and self.coverage >= config.min_coverage
            and self.similarity >= config.min_similarity
        )


_faiss_threads_set = False


def _two_nearest(
    a: NDArray[np.uint8], b: NDArray[np.uint8]
) -> tuple[NDArray[np.int32], NDArray[np.int64]]:
    """Hamming distances ``(N, 2)`` and indices ``(N, 2)`` of each row of ``a``'s two
    nearest rows of ``b``.

    faiss does 500 x 500 in ~0.3 ms, five times OpenCV's matchers, and returns arrays
    rather than a Python object per match. One thread: on a busy 2-core machine its
    OpenMP workers wait on each other for hundreds of milliseconds.
    """
    global _faiss_threads_set
    if not _faiss_threads_set:
        faiss.omp_set_num_threads(1)
        _faiss_threads_set = True
    index = faiss.IndexBinaryFlat(8 * b.shape[1])
    index.add(np.ascontiguousarray(b))
    distances, indices = index.search(np.ascontiguousarray(a), 2)
    return np.asarray(distances, np.int32), np.asarray(indices, np.int64)


def match(
    query: LocalFeatures, candidate: LocalFeatures, ratio: float, *, at_least: int = 0
) -> NDArray[np.int64]:
    """``(M, 2)`` index pairs (query, candidate) that are mutual ratio-test matches.

    Returns nothing early when fewer than ``at_least`` pass the forward ratio test (most
    candidates are unrelated, and one direction is half the cost).
    """
    none = np.zeros((0, 2), np.int64)
    if len(query) < 2 or len(candidate) < 2:
        return none
    d, idx = _two_nearest(query.descriptors, candidate.descriptors)
    forward = np.flatnonzero(d[:, 0] < ratio * d[:, 1])
    if len(forward) < max(at_least, 1):
        return none
    d_back, idx_back = _two_nearest(candidate.descriptors, query.descriptors)
    target = idx[forward, 0].astype(np.int64)
    mutual = (idx_back[target, 0] == forward) & (d_back[target, 0] < ratio * d_back[target, 1])
    return np.stack([forward[mutual], target[mutual]], axis=1).astype(np.int64)


def _hull_share(points: NDArray[np.float32], width: int, height: int) -> float:
    if len(points) < 3 or width <= 0 or height <= 0:
        return 0.0
    hull = cv2.convexHull(points.reshape(-1, 1, 2))
    return float(cv2.contourArea(hull)) / (width * height)


def plausible(h: NDArray[np.float64], query: LocalFeatures, config: VerifyConfig) -> bool:
    """The homography maps the new photo's frame onto a convex, not mirrored, not absurdly
    stretched quadrilateral."""
    if not np.all(np.isfinite(h)) or abs(h[2, 2]) < 1e-12:
        return False
    h = h / h[2, 2]
    w, ht = float(query.width), float(query.height)
    corners = np.array([[0, 0], [w, 0], [w, ht], [0, ht]], np.float64)
    mapped = cv2.perspectiveTransform(corners.reshape(-1, 1, 2), h).reshape(-1, 2)
    edges = np.roll(mapped, -1, axis=0) - mapped
    turns = (
        edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1]
        - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    )
    if not (np.all(turns > 0) or np.all(turns < 0)):
        return False  # twisted: not a view of a plane
    affine = h[:2, :2] - np.outer(h[:2, 2], h[2, :2])
    singular = np.linalg.svd(affine, compute_uv=False)
    if np.linalg.det(affine) <= 0 or singular[1] <= 0:
        return False  # mirrored or collapsed
    if singular[0] / singular[1] > config.max_anisotropy:
        return False
    area = float(cv2.contourArea(mapped.astype(np.float32)))
    change = area / max(w * ht, 1.0)
    return 1 / config.max_area_change <= change <= config.max_area_change


def _gradient(image: NDArray[np.float32]) -> NDArray[np.float32]:
    smooth = cv2.GaussianBlur(image, (0, 0), 1.0)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1)
    return np.asarray(np.hypot(gx, gy), np.float32)


def _footprint(
    h: NDArray[np.float64], src: tuple[int, int], dst: tuple[int, int]
) -> NDArray[np.bool_]:
    """Pixels of a ``dst``-sized frame that the ``src`` frame covers once mapped by ``h``
    (rasterised: exact polygon clipping is fragile when the frames coincide)."""
    inside = cv2.warpPerspective(
        np.full((src[1], src[0]), 255, np.uint8), h, dst, flags=cv2.INTER_NEAREST
    )
    return np.asarray(inside > 0)


def _to_thumb(scale: float) -> NDArray[np.float64]:
    shift = 0.5 * scale - 0.5
    return np.array([[scale, 0.0, shift], [0.0, scale, shift], [0.0, 0.0, 1.0]], np.float64)


def similarity(query: LocalFeatures, candidate: LocalFeatures, h: NDArray[np.float64]) -> float:
    """How alike the two pictures look once aligned by ``h`` (query -> candidate pixels).

    Correlation of gradient magnitudes over the overlap, compared in whichever thumbnail
    holds the overlap at the lower resolution (the other is blurred and warped into it).
    On real photos a crop, small rotation or screenshot scores 0.94-1; another photo of the
    same shelf mostly 0.4-0.93 (people and products moved, parallax, light), but two frames
    shot seconds apart from one spot can reach 0.98: those still match.
    """
    q, c = query.thumbnail, candidate.thumbnail
    if q.size == 0 or c.size == 0:
        return 0.0
    sq, sc = query.thumbnail_scale, candidate.thumbnail_scale
    # q thumb -> c thumb. Keypoints and warps count from pixel centres, so a scale s maps
    # x to (x + 0.5) s - 0.5, not x s: the half-pixel shift cancels when both photos share
    # an orientation, and costs a turned copy 0.05-0.15 of correlation when it does not.
    h_thumb = _to_thumb(sc) @ h @ np.linalg.inv(_to_thumb(sq))
    q_size, c_size = (q.shape[1], q.shape[0]), (c.shape[1], c.shape[0])
    to_q = np.asarray(np.linalg.inv(h_thumb), np.float64)
    in_q = _footprint(to_q, c_size, q_size)
    in_c = _footprint(h_thumb, q_size, c_size)
    area_q, area_c = int(in_q.sum()), int(in_c.sum())
    if min(area_q, area_c) < 400:  # under 20 x 20 pixels: nothing to compare
        return 0.0
    # Warp the image that holds the overlap larger into the frame of the other.
    if area_q <= area_c:
        target, source, to_target, inside = q, c, to_q, in_q
    else:
        target, source, to_target, inside = c, q, h_thumb, in_c
    shrink = np.sqrt(max(area_q, area_c) / min(area_q, area_c))
    src = source.astype(np.float32)
    if shrink > 1.2:
        src = np.asarray(cv2.GaussianBlur(src, (0, 0), 0.5 * shrink), np.float32)
    size = (target.shape[1], target.shape[0])
    warped = np.asarray(
        cv2.warpPerspective(src, to_target, size, flags=cv2.INTER_LINEAR), np.float32
    )
    valid = cv2.erode(inside.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    if int(valid.sum()) < 400:
        return 0.0
    a = _gradient(target.astype(np.float32))[valid]
    b = _gradient(warped)[valid]
    if a.std() < 1e-6 or b.std() < 1e-6:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def verify(
    query: LocalFeatures, candidate: LocalFeatures, config: VerifyConfig | None = None
) -> Verification:
    """How well ``candidate`` (an earlier photo) explains ``query`` (the new one)."""
    config = config or VerifyConfig()
    started = time.perf_counter()
    pairs = match(query, candidate, config.ratio, at_least=config.min_inliers)
    inliers, coverage, alike, turn = 0, 0.0, 0.0, 0
    if len(pairs) >= max(8, config.min_inliers):
        src = query.points[pairs[:, 0]]
        dst = candidate.points[pairs[:, 1]]
        found, mask = cv2.findHomography(
            src, dst, cv2.RANSAC, config.reprojection_px, maxIters=2000
        )
        h = None if found is None else np.asarray(found, np.float64)
        if h is not None and mask is not None and plausible(h, query, config):
            keep = mask.ravel().astype(bool)
            inliers = int(keep.sum())
            coverage = min(
                _hull_share(src[keep], query.width, query.height),
                _hull_share(dst[keep], candidate.width, candidate.height),
            )
            if inliers >= config.min_inliers:
                alike = similarity(query, candidate, h)
                turn = quarter_turn(h)
    return Verification(
        matches=len(pairs),
        inliers=inliers,
        coverage=round(coverage, 4),
        similarity=round(alike, 4),
        ms=(time.perf_counter() - started) * 1000,
        turn=turn,
    )


def quarter_turn(h: NDArray[np.float64]) -> int:
    """The counter-clockwise turn (0, 90, 180 or 270 degrees) that best describes a
    new -> earlier homography, as a person viewing the new photo sees it: ``h`` maps
    the new photo back, so the new photo is turned the opposite way. In image coordinates
    (y down) a positive angle of the map's linear part is a clockwise turn on screen."""
    h = h / h[2, 2]
    linear = h[:2, :2] - np.outer(h[:2, 2], h[2, :2])
    back = np.degrees(np.arctan2(linear[1, 0], linear[0, 0]))  # clockwise, on screen
    return round(float(back) / 90.0) % 4 * 90
