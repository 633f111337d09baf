"""``shelfaudit eval detect``: COCO mAP of a registry detector on a COCO file.

Any COCO file whose category names are the model's class names works; images with a
``split`` field are filtered by ``--split`` (``val`` by default, ``all`` for every image).
Each image goes through the same decode and detector as the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel

from shelfaudit.analyse.decode import decode
from shelfaudit.analyse.detect import scale_boxes
from shelfaudit.errors import InvalidInput
from shelfaudit.evaluation.detection_metrics import DetectionEvaluator
from shelfaudit.ml.yolo import DetectOptions, YoloDetector

# ultralytics validates at this confidence: the whole precision-recall curve counts.
EVAL_OPTIONS = DetectOptions(confidence=0.001, iou=0.6, max_det=300)


class DetectReport(BaseModel):
    model: str
    n_images: int
    map50: float
    map50_95: float
    per_class: dict[str, float]  # AP50 per class


def _xyxy(bbox: list[float]) -> list[float]:
    x, y, w, h = bbox
    return [x, y, x + w, y + h]


def _read_coco(
    coco: dict[str, Any], names: Sequence[str], version: str, split: str
) -> tuple[dict[str, int], list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Category id -> class index, the split's images, annotations per image id. Ids are
    compared as text (some tools write them as strings); a category no annotation uses
    (a Roboflow export's supercategory) is ignored, a used one the model lacks refused."""
    by_name = {name: i for i, name in enumerate(names)}
    used = {str(a["category_id"]) for a in coco["annotations"]}
    category_to_class: dict[str, int] = {}
    for category in coco["categories"]:
        key = str(category["id"])
        if category["name"] in by_name:
            category_to_class[key] = by_name[category["name"]]
        elif key in used:
            raise InvalidInput(
                f"COCO category {category['name']!r} is not a class of {version} "
                f"({', '.join(names)})"
            )
    images = [
        image for image in coco["images"] if split == "all" or image.get("split", split) == split
    ]
    if not images:
        raise InvalidInput(f"no images in split {split!r} of the COCO file")
    annotations: dict[str, list[dict[str, Any]]] = {}
    for annotation in coco["annotations"]:
        annotations.setdefault(str(annotation["image_id"]), []).append(annotation)
    return category_to_class, images, annotations


def evaluate_detector(
    detector: YoloDetector,
    coco: dict[str, Any],
    *,
    images_root: Path,
    split: str = "val",
    analysis_long_side: int = 1024,
    tiles: int = 1,
    mirror: bool = False,
) -> DetectReport:
    """COCO mAP of ``detector`` on ``coco``'s ``split`` images; ``tiles`` > 1 detects on the
    whole image and an n x n grid of tiles (the model is then reported as ``...+tilesN``),
    ``mirror`` fuses a mirrored pass in as the service does (``...+mirror``)."""
    options = replace(EVAL_OPTIONS, tiles=tiles, mirror=mirror)
    names = detector.class_names
    try:
        category_to_class, images, annotations = _read_coco(coco, names, detector.version, split)
    except (KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"malformed COCO file: an entry lacks or mistypes {exc}") from exc

    evaluator = DetectionEvaluator(names)
    for image in images:
        path = images_root / image["file_name"]
        if not path.is_file():
            raise InvalidInput(
                f"{image['file_name']} is not under {images_root.resolve()}: the COCO file's "
                "file_name paths are relative to --images-root (default: the COCO file's folder)"
            )
        data = path.read_bytes()
        decoded = decode(data, target_long_side=analysis_long_side, max_pixels=200_000_000)
        found = scale_boxes(
            detector.detect(decoded.rgb, options),
            decoded.result.width / decoded.rgb.shape[1],
        )
        truth = annotations.get(str(image["id"]), [])
        evaluator.update(
            gt_xyxy=np.array([_xyxy(a["bbox"]) for a in truth], np.float32).reshape(-1, 4),
            gt_class=np.array([category_to_class[str(a["category_id"])] for a in truth], np.int64),
            dt_xyxy=found.xyxy,
            dt_class=found.class_id,
            dt_score=found.confidence,
        )
    metrics = evaluator.compute()
    return DetectReport(
        model=detector.version
        + (f"+tiles{tiles}" if tiles > 1 else "")
        + ("+mirror" if mirror else ""),
        n_images=metrics.n_images,
        map50=metrics.map50,
        map50_95=metrics.map50_95,
        per_class=metrics.per_class_ap50,
    )


def load_coco(path: Path) -> dict[str, Any]:
    try:
        coco: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read COCO file {path}: {exc}") from exc
    if not isinstance(coco, dict):
        raise InvalidInput(f"{path} is not a COCO file: not a JSON object")
    for key in ("images", "annotations", "categories"):
        if not isinstance(coco.get(key), list):
            raise InvalidInput(f"{path} is not a COCO file: no {key!r} list")
    for key, fields in (("images", ("id", "file_name")), ("categories", ("id", "name"))):
        for number, item in enumerate(coco[key]):
            if not isinstance(item, dict) or any(f not in item for f in fields):
                raise InvalidInput(f"{path}: {key} {number} lacks {' or '.join(fields)}")
    categories = {c["id"] for c in coco["categories"]}
    images = {image["id"] for image in coco["images"]}
    for number, annotation in enumerate(coco["annotations"]):
        bbox = annotation.get("bbox") if isinstance(annotation, dict) else None
        if not (
            isinstance(bbox, list)
            and len(bbox) == 4
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in bbox)
        ):
            raise InvalidInput(f"{path}: annotation {number} has no [x, y, w, h] bbox of numbers")
        if annotation.get("category_id") not in categories:
            raise InvalidInput(
                f"{path}: annotation {number} has category_id "
                f"{annotation.get('category_id')!r}, which no category has"
            )
        if annotation.get("image_id") not in images:
            raise InvalidInput(
                f"{path}: annotation {number} has image_id {annotation.get('image_id')!r}, "
                "which no image has"
            )
    return coco
