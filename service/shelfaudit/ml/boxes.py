"""Box maths shared by training and serving: letterbox, scaling back, IoU and NMS.

Pure, vectorised, and correct for N = 0 and for landscape and portrait images alike (the
classic YOLO-ONNX bug swaps height and width, or scales both axes by one side's gain).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

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
    new_w, new_h = round(width * gain), round(height * gain)
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
