"""COCO-style detection metrics (mAP@0.5 and mAP@0.5:0.95), computed the way pycocotools does.

Per image and class, detections (best first, at most ``max_det``) are greedily matched to the
unmatched ground-truth box of highest IoU at or above each threshold. Per class, precision
is made monotone and sampled at 101 recall points; AP is their mean. Classes without ground
truth are left out of the mean. Crowd and area ranges are not used (all boxes count).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from shelfaudit.ml.boxes import box_iou

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)


@dataclass(frozen=True)
class DetectionMetrics:
    map50: float
    map50_95: float
    per_class_ap50: dict[str, float]
    per_class_ap50_95: dict[str, float]
    n_images: int


@dataclass
class _ClassRecords:
    n_gt: int = 0
    scores: list[NDArray[np.float32]] = field(default_factory=list)
    matched: list[NDArray[np.bool_]] = field(default_factory=list)  # (D, T) per image


class DetectionEvaluator:
    """``update`` image by image, then ``compute``."""

    def __init__(self, class_names: tuple[str, ...], *, max_det: int = 100) -> None:
        self.class_names = class_names
        self.max_det = max_det
        self._records: dict[int, _ClassRecords] = defaultdict(_ClassRecords)
        self._images = 0

    def update(
        self,
        *,
        gt_xyxy: NDArray[np.float32],
        gt_class: NDArray[np.int64],
        dt_xyxy: NDArray[np.float32],
        dt_class: NDArray[np.int64],
        dt_score: NDArray[np.float32],
    ) -> None:
        self._images += 1
        for cls in np.union1d(gt_class, dt_class):
            record = self._records[int(cls)]
            gts = gt_xyxy[gt_class == cls]
            record.n_gt += len(gts)
            in_class = np.flatnonzero(dt_class == cls)
            order = in_class[np.argsort(-dt_score[in_class], kind="mergesort")][: self.max_det]
            if len(order) == 0:
                continue
            dts, scores = dt_xyxy[order], dt_score[order]
            record.scores.append(scores.astype(np.float32))
            record.matched.append(self._match(dts, gts))

    @staticmethod
    def _match(dts: NDArray[np.float32], gts: NDArray[np.float32]) -> NDArray[np.bool_]:
        matched = np.zeros((len(dts), len(IOU_THRESHOLDS)), bool)
        if len(gts) == 0:
            return matched
        ious = box_iou(dts, gts)
        for t, threshold in enumerate(IOU_THRESHOLDS):
            taken = np.zeros(len(gts), bool)
            for d in range(len(dts)):
                candidates = np.where(taken, -1.0, ious[d])
                best = int(candidates.argmax())
                if candidates[best] >= threshold - 1e-10:
                    taken[best] = True
                    matched[d, t] = True
        return matched

    def compute(self) -> DetectionMetrics:
        ap = {}
        for cls, record in sorted(self._records.items()):
            if record.n_gt == 0:
                continue
            ap[cls] = self._average_precision(record)
        names = self.class_names
        ap50 = {names[c]: round(float(v[0]), 4) for c, v in ap.items()}
        ap50_95 = {names[c]: round(float(v.mean()), 4) for c, v in ap.items()}
        return DetectionMetrics(
            map50=round(float(np.mean([v[0] for v in ap.values()])), 4) if ap else 0.0,
            map50_95=round(float(np.mean([v.mean() for v in ap.values()])), 4) if ap else 0.0,
            per_class_ap50=ap50,
            per_class_ap50_95=ap50_95,
            n_images=self._images,
        )

    @staticmethod
    def _average_precision(record: _ClassRecords) -> NDArray[np.float64]:
        """AP at each IoU threshold, shape (T,)."""
        if not record.scores:
            return np.zeros(len(IOU_THRESHOLDS))
        scores = np.concatenate(record.scores)
        matched = np.concatenate(record.matched)
        order = np.argsort(-scores, kind="mergesort")
        matched = matched[order]
        out = np.zeros(len(IOU_THRESHOLDS))
        for t in range(len(IOU_THRESHOLDS)):
            tp = np.cumsum(matched[:, t])
            fp = np.cumsum(~matched[:, t])
            recall = tp / record.n_gt
            precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
            precision = np.maximum.accumulate(precision[::-1])[::-1]
            idx = np.searchsorted(recall, RECALL_POINTS, side="left")
            sampled = np.where(
                idx < len(precision), precision[np.minimum(idx, len(precision) - 1)], 0.0
            )
            out[t] = sampled.mean()
        return out
