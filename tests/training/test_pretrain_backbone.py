"""Backbone pre-training data: crops of the train split's boxes only, held out by photo."""

from __future__ import annotations

import json
from pathlib import Path

from tests.factories import DATASETS

COCO = DATASETS / "heineken_displays" / "annotations.coco.json"
IMAGES = DATASETS / "heineken_displays" / "images"


def small_coco(tmp_path: Path) -> tuple[Path, dict[str, object]]:
    """Twelve train photos and two val photos of the real file, with their boxes."""
    data = json.loads(COCO.read_text())
    train = [i for i in data["images"] if i["split"] == "train"][:12]
    val = [i for i in data["images"] if i["split"] == "val"][:2]
    keep = {i["id"] for i in train + val}
    small = {
        "images": train + val,
        "categories": data["categories"],
        "annotations": [a for a in data["annotations"] if a["image_id"] in keep],
    }
    path = tmp_path / "small.json"
    path.write_text(json.dumps(small))
    return path, small


def test_crops_come_from_train_photos_only_and_hold_out_whole_photos(tmp_path: Path) -> None:
    from training.detect.pretrain_backbone import MIN_SIDE, build_crops

    coco, data = small_coco(tmp_path)
    out = tmp_path / "crops"
    counts = build_crops(coco, IMAGES, out)

    images = {i["id"]: i for i in data["images"]}  # type: ignore[attr-defined]
    written = list(out.glob("*/*/*.jpg"))
    assert len(written) == sum(counts.values()) > 0
    boxes = {a["id"]: a for a in data["annotations"]}  # type: ignore[attr-defined]
    splits_of_photo: dict[int, set[str]] = {}
    for path in written:
        image_id, ann_id = (int(v) for v in path.stem.split("_"))
        assert images[image_id]["split"] == "train"  # val photos are never read
        ann = boxes[ann_id]
        assert min(ann["bbox"][2:]) >= MIN_SIDE
        assert path.parent.name == next(
            c["name"]
            for c in data["categories"]
            if c["id"] == ann["category_id"]  # type: ignore[attr-defined]
        )
        splits_of_photo.setdefault(image_id, set()).add(path.parent.parent.name)
    assert all(len(s) == 1 for s in splits_of_photo.values())  # a photo is in one split
    assert {next(iter(s)) for s in splits_of_photo.values()} == {"train", "val"}
    classes = len(data["categories"])  # type: ignore[arg-type]
    assert len(list((out / "train").iterdir())) == len(list((out / "val").iterdir())) == classes
