"""Publish a trained detector: ONNX export, val metrics with the service's own code, model
card and registry entry.

Usage (in an environment with the ``training`` extra, i.e. torch + ultralytics + the service)::

    python -m training.detect.publish --config training/configs/shelves_yolo11n.yaml \
        --model shelves --version v1 [--name RUN] [--weights runs/RUN/weights/best.pt]

``--name`` is the run's name when it was trained under another one than the config's
(``train --name``); the ONNX input size is the run's own (its ``args.yaml``), so a run
with ``--set imgsz=...`` exports at the size it was trained at. Metrics are computed by
``shelfaudit.evaluation.detect`` through ONNX Runtime on the val split, exactly as
``shelfaudit eval detect`` does: in one pass and with the mirrored pass, the card leading
with the one the service runs. ``training.detect.quantize`` then serves it as int8, where
that measures as well.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from training.detect.export import export_onnx
from training.detect.shelves_dataset import read_class_names, split_names
from training.detect.train import DEFAULT_RUNS_DIR, REPO_ROOT, TrainConfig, load_config

MODELS_DIR = REPO_ROOT / "models"
# What each outlet class is, for the scoring rules (brand shares, display elements).
OUTLET_GROUPS = {
    "brand": ["heineken", "tiger", "larue", "bia_viet", "bivina", "edelweiss", "strongbow"],
    "packaging": ["beer_can", "beer_bottle", "beer_carton", "beer_crate"],
    "display": ["billboard", "display_stand", "fridge", "ice_bucket"],
    "people": ["promoter", "drinker"],
}

LICENCES = {
    "coco": "heineken_displays: declared CC BY 4.0 / Public Domain by the uploaders; photos' "
    "origin unclear. Internal use.",
    "shelves": "sku110k_shelves: SKU-110K terms, academic and non-commercial research.",
}


def shelves_val_coco(source: Path, val_fraction: float, seed: int) -> tuple[dict[str, Any], Path]:
    """The shelf-row val split as a COCO dict (from YOLO labels), and its images root."""
    from PIL import Image

    names = sorted(p.name for p in (source / "images").glob("*.jpg"))
    _, val = split_names(names, val_fraction, seed)
    coco: dict[str, Any] = {
        "images": [],
        "annotations": [],
        "categories": [{"id": 0, "name": name} for name in read_class_names(source)],
    }
    for image_id, name in enumerate(sorted(val), start=1):
        stem = Path(name).stem
        path = source / "images" / name
        with Image.open(path) as image:
            width, height = image.size
        coco["images"].append(
            {"id": image_id, "file_name": f"images/{stem}.jpg", "width": width, "height": height}
        )
        for line in (source / "labels" / f"{stem}.txt").read_text().splitlines():
            if not line.strip():
                continue
            cls, cx, cy, w, h = (float(v) for v in line.split())
            coco["annotations"].append(
                {
                    "id": len(coco["annotations"]) + 1,
                    "image_id": image_id,
                    "category_id": int(cls),
                    "bbox": [(cx - w / 2) * width, (cy - h / 2) * height, w * width, h * height],
                    "area": w * width * h * height,
                    "iscrowd": 0,
                }
            )
    return coco, source


def val_set(cfg: TrainConfig) -> tuple[dict[str, Any], Path, str]:
    if cfg.dataset["builder"] == "shelves":
        fraction = float(cfg.dataset.get("val_fraction", 0.15))
        coco, root = shelves_val_coco(
            Path(cfg.dataset["source"]), fraction, int(cfg.dataset.get("split_seed", 0))
        )
        n = len(coco["images"])
        return (
            coco,
            root,
            f"val split: seeded {fraction:.0%} hash split of sku110k_shelves ({n} photos)",
        )
    coco_path = Path(cfg.dataset["coco"])
    coco = json.loads(coco_path.read_text())
    n = sum(1 for image in coco["images"] if image.get("split") == "val")
    return (
        coco,
        images_root_of(cfg, coco_path, coco),
        f"val split: `split == val` in the COCO file ({n} photos)",
    )


def images_root_of(cfg: TrainConfig, coco_path: Path, coco: dict[str, Any]) -> Path:
    """The folder COCO ``file_name``s are relative to for evaluation: the config's images
    root as training read it (``file_name`` under it, or under its parent as the shared
    set's ``images/...``), else the annotation file's folder."""
    if not cfg.dataset.get("images_root"):
        return coco_path.parent
    root = Path(cfg.dataset["images_root"])
    first = next((i["file_name"] for i in coco["images"]), None)
    if first is not None and not (root / first).exists() and (root.parent / first).exists():
        return root.parent
    return root


class PublishRefused(SystemExit):
    """Publication would break what is served; the message says why and how to proceed."""


def check_publishable(
    registry: dict[str, Any], *, model: str, version: str, classes: list[str], map50: float,
    target: Path, replace: bool, new_classes: bool, allow_worse: bool,
) -> None:  # fmt: skip
    """Refuse a version that exists (results name the version they came from, so reusing
    it would mix two models under one name), a class list other than the served model's
    (a 17-class outlet detector published as shelves found no shelf rows, silently), and a
    model measuring worse on val than the one it replaces."""
    served = registry.get("models", {}).get(model)
    if (target.exists() or (served and served.get("version") == version)) and not replace:
        raise PublishRefused(
            f"{model} {version} is published already ({target.name}): choose a new version "
            "(results name the version they came from), or --replace to overwrite it"
        )
    if served is None:
        return
    before = list(served.get("meta", {}).get("classes") or [])
    if before and before != classes and not new_classes:
        raise PublishRefused(
            f"the {model} model serves classes {before}; this one has {classes}. Wrong "
            "--config or --model? (--new-classes if the change is meant)"
        )
    best = served.get("meta", {}).get("val_map50")
    if allow_worse:
        return
    if best is None:
        raise PublishRefused(
            f"the served {model} model records no val mAP50 (meta.val_map50 in "
            "registry.json) to compare with: add its figure from its card, or --allow-worse"
        )
    if map50 < float(best):
        raise PublishRefused(
            f"val mAP50 {map50:.3f} is below the served {model} model's {float(best):.3f}: "
            "not published (--allow-worse to publish it anyway)"
        )


def run_args(run: Path) -> dict[str, Any]:
    """The arguments ultralytics trained ``run`` with (empty when it left none)."""
    path = run / "args.yaml"
    return dict(yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}


def training_summary(run: Path) -> dict[str, Any]:
    rows = list(csv.DictReader((run / "results.csv").open()))
    args = run_args(run)
    return {
        "epochs_done": len(rows),
        "epochs_planned": args.get("epochs"),
        "train_time_s": round(float(rows[-1].get("time", 0) or 0)) if rows else 0,
        "imgsz": args.get("imgsz"),
        "batch": args.get("batch"),
        "seed": args.get("seed"),
        "last_ultralytics_map50": float(rows[-1].get("metrics/mAP50(B)", 0) or 0) if rows else 0,
    }


def _initialised_from(run: Path) -> str:
    start = run_args(run).get("pretrained")
    if isinstance(start, str) and start:
        return f"started from earlier weights ({Path(start).name}), not from scratch"
    return "from scratch (no pretrained weights exist offline)"


def write_card(path: Path, **facts: Any) -> None:
    per_class = "\n".join(
        f"| {name} | {ap:.3f} |"
        for name, ap in sorted(facts["per_class"].items(), key=lambda kv: -kv[1])
    )
    path.write_text(
        f"""# {facts["name"]} {facts["version"]}

{facts["purpose"]}

| | |
|---|---|
| file | `{facts["file"]}` |
| sha256 | `{facts["sha256"]}` |
| architecture | {facts["architecture"]} {facts["init"]} |
| input | 1x3x{facts["imgsz"]}x{facts["imgsz"]} RGB float in [0, 1], letterboxed (grey 114) |
| output | `(1, 4 + {len(facts["classes"])}, anchors)`: cx, cy, w, h in input pixels, class scores |
| classes | {", ".join(facts["classes"])} |
| published | {facts["published"]} |

## Data and split
{facts["data"]}

{facts["split"]}

Licence: {facts["licence"]}

## Training
`{facts["command"]}`

{facts["summary"]["epochs_done"]} of {facts["summary"]["epochs_planned"]} planned epochs,
{facts["summary"]["train_time_s"]} s of training, image size {facts["summary"]["imgsz"]}, batch
{facts["summary"]["batch"]}, seed {facts["summary"]["seed"]}, on {facts["hardware"]}.

## Metrics on val (ONNX Runtime, the service's own decode and NMS, COCO-style AP)
`shelfaudit eval detect --coco <val> --model {facts["name"]}` gives, as the service runs
it (per class below):

- images: {facts["metrics"]["n_images"]}
- mAP50: **{facts["metrics"]["map50"]:.3f}**
- mAP50-95: {facts["metrics"]["map50_95"]:.3f}
- in one pass (`--no-mirror`): mAP50 {facts["one_pass"]["map50"]:.3f}, mAP50-95
  {facts["one_pass"]["map50_95"]:.3f}
- with a mirrored pass fused in (`--mirror`; the service does it for the outlet model,
  `SHELFAUDIT_DETECT_MIRROR`): mAP50 {facts["mirrored"]["map50"]:.3f}, mAP50-95
  {facts["mirrored"]["map50_95"]:.3f}

| class | AP50 |
|---|---|
{per_class}

## Known weaknesses
{facts["weaknesses"]}
"""
    )


def publish(args: argparse.Namespace) -> dict[str, Any]:
    from shelfaudit.analyse.detect import serves_mirrored
    from shelfaudit.evaluation.detect import evaluate_detector
    from shelfaudit.ml.registry import ModelEntry, file_sha256
    from shelfaudit.ml.sessions import SessionOptions, create_session
    from shelfaudit.ml.yolo import YoloDetector
    from shelfaudit.settings import Settings

    cfg = load_config(args.config)
    name = args.name or cfg.name
    run = args.runs_dir / name
    weights = args.weights or run / "weights" / "best.pt"
    imgsz = int(run_args(run).get("imgsz") or cfg.train.get("imgsz", 640))
    exported = export_onnx(weights, imgsz, args.runs_dir)
    models_dir = args.models_dir
    folder = models_dir / args.model
    target = folder / f"{args.model}-{args.version}.onnx"
    sha256 = file_sha256(exported)

    coco, images_root, split_text = val_set(cfg)
    classes = [c["name"] for c in sorted(coco["categories"], key=lambda c: c["id"])]
    meta: dict[str, Any] = {"classes": classes, "imgsz": imgsz}
    if args.model == "outlet":
        meta["groups"] = OUTLET_GROUPS
    entry = ModelEntry(
        name=args.model,
        file=str(target.relative_to(models_dir)),
        sha256=sha256,
        version=args.version,
        task="detect",
        card=f"{args.model}/CARD.md",
        meta=meta,
    )
    # Measured from the run's own export: nothing reaches the models folder before it
    # measured (a missing val photo left a half-published model there).
    detector = YoloDetector(entry, create_session(exported, SessionOptions()))
    mirrored = evaluate_detector(detector, coco, images_root=images_root, split="val", mirror=True)
    one_pass = evaluate_detector(detector, coco, images_root=images_root, split="val")
    served = mirrored if serves_mirrored(args.model, Settings()) else one_pass

    registry_path = models_dir / "registry.json"
    registry = json.loads(registry_path.read_text()) if registry_path.exists() else {"models": {}}
    check_publishable(
        registry, model=args.model, version=args.version, classes=classes, map50=served.map50,
        target=target, replace=args.replace, new_classes=args.new_classes,
        allow_worse=args.allow_worse,
    )  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(exported, target)
    entry.meta["val_map50"] = round(served.map50, 4)
    registry["models"][args.model] = entry.model_dump(exclude={"name"})
    registry_path.write_text(json.dumps(registry, indent=2) + "\n")

    write_card(
        folder / "CARD.md",
        name=args.model,
        version=args.version,
        purpose=args.purpose,
        file=entry.file,
        sha256=sha256,
        architecture=cfg.model.removesuffix(".yaml"),
        init=_initialised_from(run),
        imgsz=imgsz,
        classes=classes,
        published=datetime.now(UTC).strftime("%Y-%m-%d"),
        data=args.data,
        split=split_text,
        licence=LICENCES[cfg.dataset["builder"]],
        command=args.command
        or f"python -m training.detect.train --config {args.config} (the run's own arguments: "
        f"{run / 'args.yaml'})",
        summary=training_summary(run),
        hardware=args.hardware or f"{platform.processor() or platform.machine()} CPU",
        metrics=served.model_dump(),
        mirrored=mirrored.model_dump(),
        one_pass=one_pass.model_dump(),
        per_class=served.per_class,
        weaknesses=args.weaknesses,
    )
    return {"served": served.model_dump(), "one_pass": one_pass.model_dump()}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--model", required=True, choices=["outlet", "shelves"])
    parser.add_argument("--version", required=True)
    parser.add_argument("--name", help="the run's name (default: the config's)")
    parser.add_argument("--weights", type=Path, help="default: runs/NAME/weights/best.pt")
    parser.add_argument("--runs-dir", type=Path, default=DEFAULT_RUNS_DIR)
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    parser.add_argument("--purpose", default="Detector.")
    parser.add_argument("--command", default="", help="the training command(s), for the card")
    parser.add_argument("--data", default="")
    parser.add_argument("--hardware", default="")
    parser.add_argument("--weaknesses", default="- not yet measured on photos outside val")
    parser.add_argument("--replace", action="store_true", help="overwrite a published version")
    parser.add_argument(
        "--new-classes", action="store_true", help="publish a class list unlike the served one"
    )
    parser.add_argument(
        "--allow-worse", action="store_true", help="publish below the served model's val mAP50"
    )
    print(json.dumps(publish(parser.parse_args(argv)), indent=2))


if __name__ == "__main__":
    main()
