"""Convert a COCO detection file into an ultralytics YOLO dataset folder.

Layout written under ``out``::

    images/{train,val}/<name>.jpg   symlinks to the read-only originals
    labels/{train,val}/<name>.txt   ``class cx cy w h`` normalised to [0, 1]
    data.yaml                       class names ordered by COCO category id

The split of each image comes from its ``split`` field (``train`` or ``val``). More COCO
files (``also``: reviewers' label exports, ``shelfaudit export labels --format coco``) join
the first: their classes are matched by name to the first file's (a class it lacks is added
after them), and their images are named ``<n>__<name>`` so no two sources collide.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SPLITS: tuple[str, ...] = ("train", "val")


@dataclass(frozen=True)
class YoloBox:
    """One YOLO label line: class index and normalised centre/size."""

    cls: int
    cx: float
    cy: float
    w: float
    h: float

    def to_line(self) -> str:
        """Format as a YOLO label line with six decimals."""
        return f"{self.cls} {self.cx:.6f} {self.cy:.6f} {self.w:.6f} {self.h:.6f}"


@dataclass
class ImageRecord:
    """An image of the COCO file with its split and converted boxes."""

    file_name: str
    split: str
    boxes: list[YoloBox] = field(default_factory=list)


def class_index_map(categories: Iterable[Mapping[str, Any]]) -> dict[int, int]:
    """Map COCO category ids to contiguous YOLO class indices, sorted by id."""
    ids = sorted(int(c["id"]) for c in categories)
    return {cat_id: index for index, cat_id in enumerate(ids)}


def class_names(categories: Iterable[Mapping[str, Any]]) -> list[str]:
    """Return category names in the order of :func:`class_index_map`."""
    return [str(c["name"]) for c in sorted(categories, key=lambda c: int(c["id"]))]


def coco_bbox_to_yolo(
    bbox: Sequence[float], width: float, height: float
) -> tuple[float, float, float, float] | None:
    """Convert a COCO ``[x, y, w, h]`` pixel box to normalised ``(cx, cy, w, h)``.

    The box is clipped to the image first. Returns ``None`` when nothing of
    positive area is left.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    x, y, w, h = (float(v) for v in bbox)
    x0, y0 = max(0.0, x), max(0.0, y)
    x1, y1 = min(float(width), x + w), min(float(height), y + h)
    if x1 <= x0 or y1 <= y0:
        return None
    return (
        (x0 + x1) / 2.0 / width,
        (y0 + y1) / 2.0 / height,
        (x1 - x0) / width,
        (y1 - y0) / height,
    )


def convert_coco(coco: Mapping[str, Any]) -> tuple[list[str], list[ImageRecord]]:
    """Convert a parsed COCO dict into class names and per-image YOLO boxes.

    Crowd annotations and boxes with no area inside the image are dropped.
    Images without annotations are kept (as background images).
    """
    categories = coco["categories"]
    index_of = class_index_map(categories)
    images: dict[int, ImageRecord] = {}
    sizes: dict[int, tuple[float, float]] = {}
    for img in coco["images"]:
        split = str(img.get("split", ""))
        if split not in SPLITS:
            raise ValueError(f"image {img['id']} has split {split!r}, expected one of {SPLITS}")
        images[int(img["id"])] = ImageRecord(file_name=str(img["file_name"]), split=split)
        sizes[int(img["id"])] = (float(img["width"]), float(img["height"]))
    for ann in coco["annotations"]:
        if ann.get("iscrowd", 0):
            continue
        image_id = int(ann["image_id"])
        width, height = sizes[image_id]
        box = coco_bbox_to_yolo(ann["bbox"], width, height)
        if box is not None:
            images[image_id].boxes.append(YoloBox(index_of[int(ann["category_id"])], *box))
    return class_names(categories), list(images.values())


def resolve_image(images_root: Path, file_name: str) -> Path:
    """Find an image given its COCO ``file_name``.

    ``file_name`` may be relative to ``images_root`` or to its parent (as in
    ``images/xxx.jpg``); the bare name under ``images_root`` is tried last.
    """
    for candidate in (
        images_root / file_name,
        images_root.parent / file_name,
        images_root / Path(file_name).name,
    ):
        if candidate.is_file():
            return candidate.resolve()
    raise FileNotFoundError(f"{file_name} not found under {images_root}")


def write_data_yaml(out: Path, names: Sequence[str], train: str, val: str) -> Path:
    """Write an ultralytics ``data.yaml`` for a dataset rooted at ``out``."""
    data = {
        "path": str(out.resolve()),
        "train": train,
        "val": val,
        "names": dict(enumerate(names)),
    }
    path = out / "data.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def link(target: Path, link_path: Path) -> None:
    """Create (or replace) a symlink ``link_path`` pointing to ``target``."""
    if link_path.is_symlink() or link_path.exists():
        link_path.unlink()
    link_path.symlink_to(target)


# Written into every dataset this module builds: only such a folder is ever cleared.
MARKER = ".built-by-coco_to_yolo"


def _built_here(out: Path) -> bool:
    """``out`` holds a build of this module: its marker, or (builds made before the marker)
    a data.yaml whose ``path`` is ``out`` itself, as ``write_data_yaml`` writes it."""
    if (out / MARKER).is_file():
        return True
    try:
        data = yaml.safe_load((out / "data.yaml").read_text())
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and data.get("path") == str(out.resolve())


def clear_earlier_build(out: Path) -> None:
    """Remove what an earlier build wrote in ``out`` (links under images/, labels and their
    ultralytics caches under labels/), so that a photo a newer export left out is not trained
    on and none sits on both sides. Refused for a folder this module did not build, or one
    holding real images: a dataset made by hand or another tool is never deleted."""
    present = [n for n in ("images", "labels") if (out / n).is_dir() and any((out / n).iterdir())]
    if not present:
        return
    if not _built_here(out):
        raise ValueError(
            f"{out / present[0]} was not written by coco_to_yolo: choose an empty --out (or "
            "the dataset folder of an earlier build)"
        )
    real = [p for p in (out / "images").rglob("*") if p.is_file() and not p.is_symlink()]
    if real:
        raise ValueError(f"{out} holds the image {real[0]}, not a link: choose an empty --out")
    for name in ("images", "labels"):
        shutil.rmtree(out / name, ignore_errors=True)


def merge(
    names: list[str], more: Sequence[tuple[list[str], list[ImageRecord]]]
) -> tuple[list[str], list[list[ImageRecord]]]:
    """Class names for every source (``names`` first, in order, then any new ones) and each
    further source's records with their class indices moved to those names."""
    merged = list(names)
    moved = []
    for their_names, records in more:
        index = []
        for name in their_names:
            if name not in merged:
                merged.append(name)
            index.append(merged.index(name))
        moved.append(
            [
                ImageRecord(
                    rec.file_name,
                    rec.split,
                    [YoloBox(index[b.cls], b.cx, b.cy, b.w, b.h) for b in rec.boxes],
                )
                for rec in records
            ]
        )
    return merged, moved


def build_dataset(
    coco_path: Path,
    images_root: Path,
    out: Path,
    also: Sequence[tuple[Path, Path]] = (),
) -> Path:
    """Write the YOLO dataset for ``coco_path`` and the ``also`` (COCO file, images root)
    pairs into ``out`` (what an earlier build wrote there is replaced, once every image is
    found); return data.yaml."""
    names, records = convert_coco(json.loads(coco_path.read_text()))
    extra = [convert_coco(json.loads(path.read_text())) for path, _ in also]
    names, moved = merge(names, extra)
    sources = [(resolve_image(images_root, rec.file_name), "") for rec in records]
    for n, ((_, root), their) in enumerate(zip(also, moved, strict=True), start=1):
        records = records + their
        sources += [(resolve_image(root, rec.file_name), f"{n}__") for rec in their]
    repeated = [
        name for name, count in Counter(p + s.name for s, p in sources).items() if count > 1
    ]
    if repeated:
        raise ValueError(f"duplicate image name {repeated[0]}")
    clear_earlier_build(out)
    for split in SPLITS:
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("a YOLO dataset built by training.detect.coco_to_yolo\n")
    for rec, (source, prefix) in zip(records, sources, strict=True):
        link(source, out / "images" / rec.split / f"{prefix}{source.name}")
        label = out / "labels" / rec.split / f"{prefix}{source.stem}.txt"
        label.write_text("".join(f"{b.to_line()}\n" for b in rec.boxes))
    # A side with no image (a label export of few stores, or a val share of 0) reads the
    # other, so ultralytics still runs ("No images found" otherwise).
    sides = {rec.split for rec in records}
    train = "images/train" if "train" in sides else "images/val"
    val = "images/val" if "val" in sides else "images/train"
    return write_data_yaml(out, names, train, val)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coco", type=Path, required=True, help="COCO annotations json")
    parser.add_argument("--images-root", type=Path, required=True, help="folder of the images")
    parser.add_argument("--out", type=Path, required=True, help="dataset folder to write")
    parser.add_argument(
        "--also-coco",
        type=Path,
        action="append",
        default=[],
        help="another COCO file to add, its images beside it (a label export); repeatable",
    )
    args = parser.parse_args(argv)
    also = [(path, path.parent) for path in args.also_coco]
    try:
        print(build_dataset(args.coco, args.images_root, args.out, also))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # A missing image, a bad split or a malformed file: one line, not a traceback.
        detail: object = exc
        if isinstance(exc, OSError) and exc.filename:
            detail = f"{exc.filename}: {exc.strerror}"
        elif isinstance(exc, KeyError):
            detail = f"the COCO file lacks {exc} in an entry"
        parser.exit(2, f"error: {detail}\n")


if __name__ == "__main__":
    main()
