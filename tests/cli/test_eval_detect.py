"""``shelfaudit eval detect`` as a user runs it: the shipped shelf-row model on a COCO file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from shelfaudit.cli.main import app
from tests.factories import shelf_photos


def coco_of_shelf_photos(path: Path, n: int = 3, category: str = "shelf") -> Path:
    """A COCO file for the first ``n`` sku110k_shelves photos, from their YOLO labels."""
    images, annotations = [], []
    for image_id, photo in enumerate(shelf_photos(n), start=1):
        with Image.open(photo) as opened:
            width, height = opened.size
        images.append({"id": image_id, "file_name": str(photo), "width": width, "height": height})
        label = photo.parent.parent / "labels" / f"{photo.stem}.txt"
        for line in label.read_text().splitlines():
            _, cx, cy, w, h = (float(v) for v in line.split())
            box = [(cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height]
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": 1,
                    "bbox": box,
                    "area": box[2] * box[3],
                    "iscrowd": 0,
                }
            )
    coco = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": 1, "name": category}],
    }
    path.write_text(json.dumps(coco))
    return path


def test_eval_detect_prints_map_per_class_as_json(tmp_path: Path) -> None:
    coco = coco_of_shelf_photos(tmp_path / "shelves.json")

    result = CliRunner().invoke(
        app, ["eval", "detect", "--coco", str(coco), "--images-root", "/", "--model", "shelves",
              "--split", "all", "--json"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {"model", "n_images", "map50", "map50_95", "per_class"}
    assert report["model"].startswith("shelves-")
    assert report["n_images"] == 3
    assert set(report["per_class"]) == {"shelf"}
    assert report["map50"] > 0.5
    assert 0 < report["map50_95"] <= report["map50"]


def test_eval_detect_with_tiles_names_them(tmp_path: Path) -> None:
    coco = coco_of_shelf_photos(tmp_path / "shelves.json", n=1)

    result = CliRunner().invoke(
        app, ["eval", "detect", "--coco", str(coco), "--images-root", "/", "--model", "shelves",
              "--split", "all", "--tiles", "2", "--no-mirror", "--json"],
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"].endswith("+tiles2")


def test_eval_detect_measures_the_mirror_pass_on_request(tmp_path: Path) -> None:
    coco = coco_of_shelf_photos(tmp_path / "shelves.json", n=2)
    base = ["eval", "detect", "--coco", str(coco), "--images-root", "/", "--model", "shelves",
            "--split", "all", "--json"]  # fmt: skip

    default, mirrored = (CliRunner().invoke(app, base + extra) for extra in ([], ["--mirror"]))

    assert default.exit_code == 0, default.output
    assert mirrored.exit_code == 0, mirrored.output
    single, fused = json.loads(default.stdout), json.loads(mirrored.stdout)
    assert not single["model"].endswith("+mirror")  # the service runs shelf rows in one pass
    assert fused["model"].endswith("+mirror")
    assert fused["map50_95"] != single["map50_95"]  # the second pass changes the boxes


def test_eval_detect_refuses_categories_the_model_does_not_know(tmp_path: Path) -> None:
    coco = coco_of_shelf_photos(tmp_path / "other.json", n=1, category="fridge")

    result = CliRunner().invoke(
        app, ["eval", "detect", "--coco", str(coco), "--images-root", "/", "--model", "shelves"]
    )

    assert result.exit_code == 2
    assert "COCO category 'fridge' is not a class of shelves-" in result.stderr


def test_eval_detect_takes_text_ids_and_ignores_a_category_nothing_uses(tmp_path: Path) -> None:
    plain = coco_of_shelf_photos(tmp_path / "plain.json", n=1)
    document = json.loads(plain.read_text())
    # A Roboflow export lists its supercategory, and some tools write ids as text.
    document["categories"].insert(0, {"id": "0", "name": "shelves-dataset"})
    document["categories"][1]["id"] = "1"
    for image in document["images"]:
        image["id"] = f"img-{image['id']}"
    for annotation in document["annotations"]:
        annotation["image_id"] = f"img-{annotation['image_id']}"
        annotation["category_id"] = "1"
    texts = tmp_path / "texts.json"
    texts.write_text(json.dumps(document))
    base = ["eval", "detect", "--images-root", "/", "--model", "shelves", "--json"]

    expected, got = (
        CliRunner().invoke(app, [*base, "--coco", str(coco)]) for coco in (plain, texts)
    )

    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout)["map50"] == json.loads(expected.stdout)["map50"]


def test_eval_detect_names_the_models_there_are(tmp_path: Path) -> None:
    coco = coco_of_shelf_photos(tmp_path / "shelves.json", n=1)

    result = CliRunner().invoke(app, ["eval", "detect", "--coco", str(coco), "--model", "nope"])

    assert result.exit_code == 2
    assert "no model 'nope' in the registry" in result.stderr


def _broken(coco: Path, change: str) -> Path:
    document = json.loads(coco.read_text())
    if change == "unknown_category":
        document["annotations"][0]["category_id"] = 7
    elif change == "short_bbox":
        document["annotations"][0]["bbox"] = [1, 2, 3]
    elif change == "missing_image":
        document["images"][0]["file_name"] = "/nowhere/photo.jpg"
    elif change == "no_images":
        document["images"], document["annotations"] = [], []
    elif change == "not_an_object":
        document = []
    elif change == "no_file_name":
        del document["images"][0]["file_name"]
    elif change == "text_in_bbox":
        document["annotations"][0]["bbox"][0] = "a"
    elif change == "stray_image_id":
        document["annotations"][0]["image_id"] = 99
    coco.write_text(json.dumps(document))
    return coco


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ("unknown_category", "category_id 7, which no category has"),
        ("short_bbox", "has no [x, y, w, h] bbox"),
        ("missing_image", "/nowhere/photo.jpg is not under /: the COCO file's file_name paths"),
        ("no_images", "no images in split"),
        ("not_an_object", "not a JSON object"),
        ("no_file_name", "images 0 lacks id or file_name"),
        ("text_in_bbox", "bbox of numbers"),
        ("stray_image_id", "image_id 99, which no image has"),
    ],
)
def test_eval_detect_says_what_is_wrong_with_its_input(
    tmp_path: Path, change: str, said: str
) -> None:
    coco = _broken(coco_of_shelf_photos(tmp_path / "c.json", n=1), change)
    result = CliRunner().invoke(
        app, ["eval", "detect", "--coco", str(coco), "--images-root", "/", "--model", "shelves"]
    )
    assert result.exit_code == 2, result.output
    assert said in result.stderr
    assert "Traceback" not in result.output
