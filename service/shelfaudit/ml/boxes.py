"""Box maths shared by training and serving: letterbox, scaling back, IoU, NMS, and the
fusion of a mirrored second pass.

Pure, vectorised, and correct for N = 0 and for landscape and portrait images alike (the
classic YOLO-ONNX bug swaps height and width, or scales both axes by one side's gain).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from shelfaudit.domain.detections import Detections

PAD_VALUE = 114  # ultralytics' grey


@dataclass(frozen=True)
class Letterbox:
    """How an (H, W) image was fitted into a square ``size``: ``scaled = orig * gain + pad``."""

    gain: float
    pad_x: float
    pad_y: float
    size: int


def letterbox(image: NDArray[np.uint8], size: int) -> tuple[NDArray[np.uint8], Letterbox]:
    """Resize keeping the aspect ratio so the long side is ``size``, then pad to a square."""
    height, width = image.shape[:2]
    gain = min(size / height, size / width)
    new_w, new_h = max(1, round(width * gain)), max(1, round(height * gain))
    resized = (
        image
        if (new_w, new_h) == (width, height)
        else cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    )
    pad_x, pad_y = (size - new_w) / 2, (size - new_h) / 2
    top, left = round(pad_y - 0.1), round(pad_x - 0.1)
    bottom, right = size - new_h - top, size - new_w - left
    padded = cv2.copyMakeBorder(
        resized, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3
    )
    return np.asarray(padded, dtype=np.uint8), Letterbox(gain, float(left), float(top), size)


def centre_crop(rgb: NDArray[np.uint8], share: float) -> NDArray[np.uint8]:
    """The centre of an (H, W, 3) image, ``share`` of each side (at least one pixel)."""
    h, w = rgb.shape[:2]
    ch, cw = max(1, round(h * share)), max(1, round(w * share))
    y, x = (h - ch) // 2, (w - cw) // 2
    return np.ascontiguousarray(rgb[y : y + ch, x : x + cw])


def unletterbox(
    xyxy: NDArray[np.float32], box: Letterbox, *, width: int, height: int
) -> NDArray[np.float32]:
    """Map boxes from letterboxed pixels back to the original (W, H) image, clipped."""
    out = xyxy.astype(np.float32, copy=True)
    out[:, [0, 2]] = (out[:, [0, 2]] - box.pad_x) / box.gain
    out[:, [1, 3]] = (out[:, [1, 3]] - box.pad_y) / box.gain
    out[:, [0, 2]] = out[:, [0, 2]].clip(0, width)
    out[:, [1, 3]] = out[:, [1, 3]].clip(0, height)
    return out


def xywh_to_xyxy(xywh: NDArray[np.float32]) -> NDArray[np.float32]:
    out = np.empty_like(xywh, dtype=np.float32)
    half_w, half_h = xywh[:, 2] / 2, xywh[:, 3] / 2
    out[:, 0] = xywh[:, 0] - half_w
    out[:, 1] = xywh[:, 1] - half_h
    out[:, 2] = xywh[:, 0] + half_w
    out[:, 3] = xywh[:, 1] + half_h
    return out


def box_iou(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.float32]:
    """IoU matrix (len(a), len(b)) of xyxy boxes."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(bottom_right - top_left, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    union = area_a[:, None] + area_b[None, :] - inter
    return np.asarray(inter / np.maximum(union, 1e-9), dtype=np.float32)


def nms(
    xyxy: NDArray[np.float32],
    scores: NDArray[np.float32],
    class_id: NDArray[np.int64] | None = None,
    *,
    iou_threshold: float,
    max_det: int = 300,
) -> NDArray[np.int64]:
    """Indices kept by greedy NMS, best first; class-aware when ``class_id`` is given.

    Class-aware NMS offsets each class's boxes so boxes of different classes never overlap.
    """
    if len(xyxy) == 0:
        return np.zeros(0, np.int64)
    boxes = xyxy.astype(np.float32)
    if class_id is not None:
        offset = (boxes.max() + 1.0) * class_id.astype(np.float32)
        boxes = boxes + offset[:, None]
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while len(order) and len(keep) < max_det:
        best = int(order[0])
        keep.append(best)
        if len(order) == 1:
            break
        ious = box_iou(boxes[best : best + 1], boxes[order[1:]])[0]
        order = order[1:][ious <= iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def mirror_xyxy(xyxy: NDArray[np.float32], width: int) -> NDArray[np.float32]:
    """Boxes found on the left-right mirror of an image ``width`` pixels wide, in the
    image's own coordinates (mirroring twice is the identity)."""
    out = np.array(xyxy, dtype=np.float32, copy=True).reshape(-1, 4)
    out[:, 0], out[:, 2] = width - xyxy[:, 2], width - xyxy[:, 0]
    return out


def pair_boxes(
    a: Detections, b: Detections, *, iou_threshold: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Greedy one-to-one pairs ``(i, j)`` of the same class with IoU >= ``iou_threshold``,
    the most confident boxes of ``a`` choosing first, each taking its best-overlapping
    free box of ``b``."""
    iou = box_iou(a.xyxy, b.xyxy)
    iou[a.class_id[:, None] != b.class_id[None, :]] = 0.0
    free = np.ones(len(b), dtype=bool)
    pairs_a: list[int] = []
    pairs_b: list[int] = []
    for i in np.argsort(-a.confidence, kind="stable").tolist():
        if not free.any():
            break
        row = np.where(free, iou[i], 0.0)
        j = int(row.argmax())
        if row[j] >= iou_threshold:
            free[j] = False
            pairs_a.append(i)
            pairs_b.append(j)
    return np.asarray(pairs_a, np.int64), np.asarray(pairs_b, np.int64)


def fuse_pairs(
    a: Detections, b: Detections, pairs: tuple[NDArray[np.int64], NDArray[np.int64]]
) -> Detections:
    """Two passes over one image as one: a paired box is the confidence-weighted mean of
    both, scored by the mean confidence; a box seen by one pass only keeps its place at
    half its confidence (the other pass saw nothing there).

    Paired boxes come first, then ``a``'s unpaired ones, then ``b``'s.
    """
    ia, jb = pairs
    wa, wb = a.confidence[ia, None], b.confidence[jb, None]
    paired = (a.xyxy[ia] * wa + b.xyxy[jb] * wb) / np.maximum(wa + wb, 1e-9)
    only_a = np.setdiff1d(np.arange(len(a)), ia)
    only_b = np.setdiff1d(np.arange(len(b)), jb)
    xyxy = np.concatenate([paired, a.xyxy[only_a], b.xyxy[only_b]]).reshape(-1, 4)
    score = np.concatenate(
        [
            (a.confidence[ia] + b.confidence[jb]) / 2,
            a.confidence[only_a] / 2,
            b.confidence[only_b] / 2,
        ]
    )
    class_id = np.concatenate([a.class_id[ia], a.class_id[only_a], b.class_id[only_b]])
    return Detections(
        xyxy.astype(np.float32), score.astype(np.float32), class_id.astype(np.int64), a.class_names
    )


Window = tuple[int, int, int, int]  # left, top, right, bottom in image pixels


def tile_windows(width: int, height: int, n: int, overlap: float) -> list[Window]:
    """An ``n`` x ``n`` grid of windows covering a (W, H) image, neighbours sharing
    ``overlap`` of a window's side, so an object cut by one window's edge is whole in the
    next (up to that size)."""
    if n < 1 or not 0 <= overlap < 1:
        raise ValueError(f"need n >= 1 and 0 <= overlap < 1, got {n}, {overlap}")

    def spans(length: int) -> list[tuple[int, int]]:
        side = length / (n - (n - 1) * overlap)
        step = side * (1 - overlap)
        return [(round(i * step), min(length, round(i * step + side))) for i in range(n)]

    return [(x0, y0, x1, y1) for y0, y1 in spans(height) for x0, x1 in spans(width)]


def cut_by_window(
    xyxy: NDArray[np.float32], window: Window, *, width: int, height: int, margin: float = 2.0
) -> NDArray[np.bool_]:
    """Boxes (in image pixels) that touch an edge of ``window`` lying inside the image: the
    window cut those objects, so their boxes are partial."""
    left, top, right, bottom = window
    cut = np.zeros(len(xyxy), dtype=bool)
    if left > 0:
        cut |= xyxy[:, 0] <= left + margin
    if top > 0:
        cut |= xyxy[:, 1] <= top + margin
    if right < width:
        cut |= xyxy[:, 2] >= right - margin
    if bottom < height:
        cut |= xyxy[:, 3] >= bottom - margin
    return cut
