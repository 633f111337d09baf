"""What ``training.detect.publish`` refuses: a version twice, another model's classes, a
model worse than the one it replaces; and its val split as the config names it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from training.detect.publish import PublishRefused, check_publishable, val_set
from training.detect.train import TrainConfig

SERVED = {
    "models": {
        "shelves": {"version": "v4", "meta": {"classes": ["shelf"], "val_map50": 0.9}},
    }
}


def refused(tmp_path: Path, **changes: Any) -> str:
    args: dict[str, Any] = {
        "model": "shelves", "version": "v5", "classes": ["shelf"], "map50": 0.91,
        "target": tmp_path / "shelves-v5.onnx", "replace": False, "new_classes": False,
        "allow_worse": False,
    }  # fmt: skip
    try:
        check_publishable(SERVED, **{**args, **changes})
    except PublishRefused as exc:
        return str(exc)
    return ""


def test_a_better_model_of_the_same_classes_under_a_new_version_is_published(
    tmp_path: Path,
) -> None:
    assert refused(tmp_path) == ""


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"version": "v4"}, "shelves v4 is published already"),
        ({"classes": ["beer_bottle", "beer_can"]}, "Wrong --config or --model?"),
        ({"map50": 0.5}, "val mAP50 0.500 is below the served shelves model's 0.900"),
    ],
    ids=["same_version", "other_classes", "worse"],
)
def test_what_would_break_the_served_model_is_refused_unless_asked(
    tmp_path: Path, changes: dict[str, Any], why: str
) -> None:
    assert why in refused(tmp_path, **changes)
    unless = {"version": "replace", "classes": "new_classes", "map50": "allow_worse"}
    (flag,) = (unless[key] for key in changes)
    assert refused(tmp_path, **changes, **{flag: True}) == ""


def test_a_served_model_without_a_recorded_figure_is_not_replaced_blind(
    tmp_path: Path,
) -> None:
    unmeasured = {"models": {"shelves": {"version": "v4", "meta": {"classes": ["shelf"]}}}}
    args: dict[str, Any] = {
        "model": "shelves", "version": "v5", "classes": ["shelf"], "map50": 0.0,
        "target": tmp_path / "shelves-v5.onnx", "replace": False, "new_classes": False,
    }  # fmt: skip
    with pytest.raises(PublishRefused, match="records no val mAP50"):
        check_publishable(unmeasured, **args, allow_worse=False)
    check_publishable(unmeasured, **args, allow_worse=True)


def test_the_shipped_detectors_record_their_val_figures() -> None:
    from tests.factories import REPO

    registry = json.loads((REPO / "models" / "registry.json").read_text())
    for name in ("outlet", "shelves"):
        assert registry["models"][name]["meta"]["val_map50"] > 0, name


def test_an_existing_file_is_not_overwritten(tmp_path: Path) -> None:
    (tmp_path / "shelves-v5.onnx").write_bytes(b"earlier")
    assert "published already" in refused(tmp_path)


def test_the_val_split_reads_images_where_the_config_says_and_counts_them(
    tmp_path: Path,
) -> None:
    coco = {
        "images": [
            {"id": 1, "file_name": "a.jpg", "split": "val"},
            {"id": 2, "file_name": "b.jpg", "split": "train"},
        ],
        "annotations": [],
        "categories": [{"id": 0, "name": "x"}],
    }
    path = tmp_path / "subset.json"
    path.write_text(json.dumps(coco))
    images = tmp_path / "elsewhere"
    cfg = TrainConfig(
        name="t", model="yolo11n.yaml", train={},
        dataset={"builder": "coco", "coco": str(path), "images_root": str(images)},
    )  # fmt: skip
    _, root, text = val_set(cfg)
    assert root == images
    assert "(1 photos)" in text


def test_export_uses_the_image_size_the_run_trained_at(tmp_path: Path) -> None:
    from training.detect.export import trained_imgsz

    cfg = TrainConfig(name="t", model="yolo11n.yaml", dataset={}, train={"imgsz": 640})
    weights = tmp_path / "run" / "weights" / "best.pt"
    assert trained_imgsz(weights, cfg) == 640  # no run arguments: the config's
    weights.parent.mkdir(parents=True)
    (tmp_path / "run" / "args.yaml").write_text("imgsz: 512\nepochs: 3\n")
    assert trained_imgsz(weights, cfg) == 512
