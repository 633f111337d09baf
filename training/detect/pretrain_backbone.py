"""Pre-train a detector's backbone by classifying object crops of its own training photos.

No pretrained weights exist offline, and 339 outlet photos are few to learn features from
scratch. Every labelled box of the *train* split (val photos are never read) is cropped
with some context and becomes a classification example of its class; a yolo11n-cls is
trained on them, and its layers 0-8 (the same modules, names and shapes as yolo11n's
backbone) start the detector (``train --init-weights``; the trainer copies every tensor
of the same name and shape). A tenth of the train photos (whole photos, seeded) hold out
their crops for the classifier's own validation.

Usage::

    python -m training.detect.pretrain_backbone --config training/configs/outlet_yolo11n.yaml \\
        [--epochs 30] [--imgsz 128] [--name outlet_cls]

Weights: ``runs/<name>/weights/{best,last}.pt``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from training.detect.train import DEFAULT_RUNS_DIR, FIXED_TRAIN_ARGS, configure_offline, load_config

CONTEXT = 0.15  # of the box's size, added on each side
MIN_SIDE = 8  # boxes smaller than this (pixels) say too little to classify
MAX_SIDE = 256  # crops are stored no larger
HOLDOUT = 0.1


def build_crops(coco: Path, images_root: Path, out: Path, *, seed: int = 0) -> dict[str, int]:
    """Write ``out/{train,val}/<class>/*.jpg`` from the train split's boxes; returns counts."""
    data = json.loads(coco.read_text())
    names = {int(c["id"]): str(c["name"]) for c in data["categories"]}
    train_images = [i for i in data["images"] if i.get("split") == "train"]
    sources = sorted({str(i.get("source", i["id"])) for i in train_images})
    random.Random(seed).shuffle(sources)
    held = set(sources[: max(1, round(HOLDOUT * len(sources)))])
    by_image: dict[int, list[dict[str, object]]] = {}
    for ann in data["annotations"]:
        by_image.setdefault(int(ann["image_id"]), []).append(ann)
    if out.exists():
        shutil.rmtree(out)
    counts: dict[str, int] = {}
    for image in train_images:
        split = "val" if str(image.get("source", image["id"])) in held else "train"
        path = images_root / Path(str(image["file_name"])).name
        with Image.open(path) as opened:
            picture = opened.convert("RGB")
        for ann in by_image.get(int(image["id"]), []):
            x, y, w, h = (float(v) for v in ann["bbox"])  # type: ignore[attr-defined]
            if min(w, h) < MIN_SIDE:
                continue
            box = (
                max(0, round(x - CONTEXT * w)),
                max(0, round(y - CONTEXT * h)),
                min(picture.width, round(x + w + CONTEXT * w)),
                min(picture.height, round(y + h + CONTEXT * h)),
            )
            crop = picture.crop(box)
            crop.thumbnail((MAX_SIDE, MAX_SIDE))
            name = names[int(ann["category_id"])]  # type: ignore[call-overload]
            folder = out / split / name
            folder.mkdir(parents=True, exist_ok=True)
            crop.save(folder / f"{image['id']}_{ann['id']}.jpg", quality=92)
            counts[f"{split}/{name}"] = counts.get(f"{split}/{name}", 0) + 1
    for split in ("train", "val"):  # every class folder in both, as the trainer expects
        for name in names.values():
            (out / split / name).mkdir(parents=True, exist_ok=True)
    return counts


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True, help="the detector's config")
    parser.add_argument("--name", default="outlet_cls")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--imgsz", type=int, default=128)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--runs-dir", type=Path, default=DEFAULT_RUNS_DIR)
    args = parser.parse_args(argv)
    cfg = load_config(args.config)
    runs = args.runs_dir.resolve()
    data = runs / args.name / "crops"
    counts = build_crops(Path(cfg.dataset["coco"]), Path(cfg.dataset["images_root"]), data)
    print(f"{sum(counts.values())} crops: {json.dumps(counts, sort_keys=True)}", flush=True)
    configure_offline(runs / ".yolo_config")
    from ultralytics.models import YOLO

    model = cfg.model.replace(".yaml", "-cls.yaml")
    YOLO(model).train(
        data=str(data),
        project=str(runs),
        name=args.name,
        epochs=args.epochs,
        imgsz=args.imgsz,
        batch=args.batch,
        seed=0,
        deterministic=True,
        **FIXED_TRAIN_ARGS,
    )


if __name__ == "__main__":
    main()
