"""Our COCO mAP against pycocotools itself on a small random case."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from shelfaudit.evaluation.detection_metrics import DetectionEvaluator

NAMES = ("can", "bottle", "fridge", "billboard")


def random_case(seed: int) -> tuple[list[dict], list[dict], list[dict]]:
    rng = np.random.default_rng(seed)
    images, gts, dts = [], [], []
    for image_id in range(1, 9):
        images.append({"id": image_id, "width": 640, "height": 480, "file_name": f"{image_id}.jpg"})
        for _ in range(rng.integers(0, 7)):
            x, y = rng.uniform(0, 500), rng.uniform(0, 350)
            w, h = rng.uniform(10, 130), rng.uniform(10, 120)
            cls = int(rng.integers(0, 3))  # class 3 never has ground truth
            gts.append(
                {
                    "id": len(gts) + 1,
                    "image_id": image_id,
                    "category_id": cls,
                    "bbox": [x, y, w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
            if rng.random() < 0.8:  # found, a little off
                jitter = rng.normal(0, 6, 4)
                dts.append(
                    {
                        "image_id": image_id,
                        "category_id": cls,
                        "score": float(rng.uniform(0.3, 1)),
                        "bbox": [
                            x + jitter[0],
                            y + jitter[1],
                            max(2, w + jitter[2]),
                            max(2, h + jitter[3]),
                        ],
                    }
                )
        for _ in range(rng.integers(0, 4)):  # false positives, some of the gt-less class
            dts.append(
                {
                    "image_id": image_id,
                    "category_id": int(rng.integers(0, 4)),
                    "score": float(rng.uniform(0, 0.8)),
                    "bbox": [
                        rng.uniform(0, 500),
                        rng.uniform(0, 350),
                        rng.uniform(10, 100),
                        rng.uniform(10, 100),
                    ],
                }
            )
    return images, gts, dts


def xyxy(bbox: list[float]) -> list[float]:
    return [bbox[0], bbox[1], bbox[0] + bbox[2], bbox[1] + bbox[3]]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_map_matches_pycocotools(seed: int) -> None:
    images, gts, dts = random_case(seed)
    ground_truth = COCO()
    ground_truth.dataset = {
        "images": images,
        "annotations": gts,
        "categories": [{"id": i, "name": n} for i, n in enumerate(NAMES)],
    }
    with contextlib.redirect_stdout(io.StringIO()):
        ground_truth.createIndex()
        evaluation = COCOeval(ground_truth, ground_truth.loadRes(dts), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()

    ours = DetectionEvaluator(NAMES)
    for image in images:
        g = [a for a in gts if a["image_id"] == image["id"]]
        d = [a for a in dts if a["image_id"] == image["id"]]
        ours.update(
            gt_xyxy=np.array([xyxy(a["bbox"]) for a in g], np.float32).reshape(-1, 4),
            gt_class=np.array([a["category_id"] for a in g], np.int64),
            dt_xyxy=np.array([xyxy(a["bbox"]) for a in d], np.float32).reshape(-1, 4),
            dt_class=np.array([a["category_id"] for a in d], np.int64),
            dt_score=np.array([a["score"] for a in d], np.float32),
        )
    metrics = ours.compute()
    assert metrics.map50_95 == pytest.approx(evaluation.stats[0], abs=2e-3)
    assert metrics.map50 == pytest.approx(evaluation.stats[1], abs=2e-3)
    assert "billboard" not in metrics.per_class_ap50  # no ground truth: not in the mean


def test_perfect_and_empty_predictions() -> None:
    evaluator = DetectionEvaluator(NAMES)
    boxes = np.array([[0, 0, 10, 10], [20, 20, 40, 40]], np.float32)
    classes = np.array([0, 1], np.int64)
    evaluator.update(
        gt_xyxy=boxes,
        gt_class=classes,
        dt_xyxy=boxes,
        dt_class=classes,
        dt_score=np.array([0.9, 0.8], np.float32),
    )
    evaluator.update(
        gt_xyxy=boxes[:1],
        gt_class=classes[:1],
        dt_xyxy=np.zeros((0, 4), np.float32),
        dt_class=np.zeros(0, np.int64),
        dt_score=np.zeros(0, np.float32),
    )
    metrics = evaluator.compute()
    assert metrics.per_class_ap50["bottle"] == pytest.approx(1.0)
    assert metrics.per_class_ap50["can"] == pytest.approx(0.5, abs=0.01)
    assert metrics.n_images == 2
