"""Building a YOLO dataset again from a newer export replaces the earlier build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories import jpeg_bytes
from training.detect.coco_to_yolo import build_dataset


def coco(folder: Path, names: list[str], split: str = "train") -> Path:
    images = []
    for i, name in enumerate(names, start=1):
        (folder / name).write_bytes(jpeg_bytes(64, 48, seed=i))
        images.append({"id": i, "file_name": name, "width": 64, "height": 48, "split": split})
    annotations = [
        {"id": i, "image_id": i, "category_id": 1, "bbox": [4, 4, 20, 20]}
        for i in range(1, len(names) + 1)
    ]
    path = folder / f"coco-{len(names)}.json"
    path.write_text(
        json.dumps(
            {
                "images": images,
                "annotations": annotations,
                "categories": [{"id": 1, "name": "beer_can"}],
            }
        )
    )
    return path


def test_a_photo_left_out_of_a_newer_export_is_gone_from_the_rebuilt_dataset(
    tmp_path: Path,
) -> None:
    out = tmp_path / "dataset"
    build_dataset(coco(tmp_path, ["a.jpg", "b.jpg", "c.jpg"]), tmp_path, out)
    (out / "labels" / "train.cache").write_bytes(b"ultralytics cache")  # as training leaves

    build_dataset(coco(tmp_path, ["a.jpg", "b.jpg"], split="val"), tmp_path, out)

    assert sorted(p.name for p in (out / "images").rglob("*.jpg")) == ["a.jpg", "b.jpg"]
    assert sorted(p.relative_to(out).as_posix() for p in (out / "labels").rglob("*")) == [
        "labels/train",
        "labels/val",
        "labels/val/a.txt",
        "labels/val/b.txt",
    ]


def test_a_folder_holding_real_images_is_never_cleared(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    (out / "images" / "train").mkdir(parents=True)
    (out / "images" / "train" / "original.jpg").write_bytes(jpeg_bytes(64, 48))

    with pytest.raises(ValueError, match="was not written by coco_to_yolo"):
        build_dataset(coco(tmp_path, ["a.jpg"]), tmp_path, out)

    assert (out / "images" / "train" / "original.jpg").is_file()


def test_another_tools_dataset_of_links_and_labels_is_not_cleared(tmp_path: Path) -> None:
    out = tmp_path / "theirs"
    (out / "images" / "train").mkdir(parents=True)
    (out / "labels" / "train").mkdir(parents=True)
    (tmp_path / "x.jpg").write_bytes(jpeg_bytes(64, 48))
    (out / "images" / "train" / "x.jpg").symlink_to(tmp_path / "x.jpg")
    (out / "labels" / "train" / "x.txt").write_text("0 0.5 0.5 0.2 0.2\n")  # by hand

    with pytest.raises(ValueError, match="was not written by coco_to_yolo"):
        build_dataset(coco(tmp_path, ["a.jpg"]), tmp_path, out)

    assert (out / "labels" / "train" / "x.txt").read_text() == "0 0.5 0.5 0.2 0.2\n"


def test_a_missing_image_leaves_the_earlier_build_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    build_dataset(coco(tmp_path, ["a.jpg", "b.jpg"]), tmp_path, out)
    newer = coco(tmp_path, ["a.jpg", "b.jpg", "c.jpg"])
    (tmp_path / "c.jpg").unlink()

    with pytest.raises(FileNotFoundError, match=r"c\.jpg"):
        build_dataset(newer, tmp_path, out)

    assert sorted(p.name for p in (out / "images").rglob("*.jpg")) == ["a.jpg", "b.jpg"]


def test_an_earlier_build_can_be_its_own_images_root(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    build_dataset(coco(tmp_path, ["a.jpg", "b.jpg"]), tmp_path, out)
    again = coco(tmp_path, ["a.jpg"])

    build_dataset(again, out / "images" / "train", out)

    (image,) = list((out / "images").rglob("*.jpg"))
    assert image.resolve() == (tmp_path / "a.jpg").resolve()


def test_a_missing_image_is_one_line_and_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    annotations = coco(tmp_path, ["a.jpg"])
    (tmp_path / "a.jpg").unlink()
    command = ["--coco", str(annotations), "--images-root", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "training.detect.coco_to_yolo", *command, "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ")
    assert "a.jpg" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_label_export_joins_the_shared_set_by_class_name(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    first = coco(shared, ["a.jpg", "b.jpg"])  # one class: beer_can (id 0)
    export = tmp_path / "export"
    (export / "images" / "train").mkdir(parents=True)
    (export / "images" / "train" / "a.jpg").write_bytes(jpeg_bytes(64, 48, seed=9))  # same name
    (export / "annotations.json").write_text(
        json.dumps(
            {
                "images": [
                    {"id": 7, "file_name": "images/train/a.jpg", "width": 64, "height": 48,
                     "split": "train"},
                ],
                "annotations": [
                    {"id": 1, "image_id": 7, "category_id": 0, "bbox": [0, 0, 32, 24]},
                    {"id": 2, "image_id": 7, "category_id": 1, "bbox": [32, 24, 32, 24],
                     "drawn": True},
                ],
                "categories": [{"id": 0, "name": "beer_crate"}, {"id": 1, "name": "beer_can"}],
            }
        )
    )  # fmt: skip
    out = tmp_path / "dataset"
    data = build_dataset(first, shared, out, also=[(export / "annotations.json", export)])

    import yaml

    assert yaml.safe_load(data.read_text())["names"] == {0: "beer_can", 1: "beer_crate"}
    assert sorted(p.name for p in (out / "images" / "train").iterdir()) == [
        "1__a.jpg",
        "a.jpg",
        "b.jpg",
    ]
    # The export's beer_crate (its id 0) is class 1 here; its beer_can (its id 1) is 0.
    assert (out / "labels" / "train" / "1__a.txt").read_text().splitlines() == [
        "1 0.250000 0.250000 0.500000 0.500000",
        "0 0.750000 0.750000 0.500000 0.500000",
    ]


def test_a_training_config_names_label_exports_relative_to_the_repository() -> None:
    from training.detect.train import REPO_ROOT, TrainConfig

    cfg = TrainConfig.from_mapping(
        {
            "name": "outlet",
            "model": "yolo11n.yaml",
            "dataset": {
                "builder": "coco",
                "coco": "a.json",
                "images_root": "images",
                "also_coco": ["exports/2026-12/annotations.json", "/abs/annotations.json"],
            },
        }
    )
    assert cfg.dataset["also_coco"] == [
        str((REPO_ROOT / "exports/2026-12/annotations.json").resolve()),
        "/abs/annotations.json",
    ]
