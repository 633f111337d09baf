"""Build a YOLO dataset folder for the SKU-110K shelf-row set.

The source folder already holds ``images/*.jpg`` and YOLO ``labels/*.txt``
(one class, ``shelf``) but no split. This module makes a deterministic,
seeded split by hashing each file name, and writes under ``out``::

    images/<name>.jpg, labels/<name>.txt   symlinks to the read-only originals
    train.txt, val.txt                     absolute paths of the linked images
    data.yaml

Linking into ``out`` keeps ultralytics' label cache writable.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path

from training.detect.coco_to_yolo import link, write_data_yaml

IMAGE_SUFFIXES: frozenset[str] = frozenset({".jpg", ".jpeg", ".png"})


def hash_fraction(name: str, seed: int) -> float:
    """Map ``name`` to a stable pseudo-random number in [0, 1) for ``seed``."""
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_names(
    names: Iterable[str], val_fraction: float = 0.15, seed: int = 0
) -> tuple[list[str], list[str]]:
    """Split file names into sorted (train, val) lists by seeded name hash.

    Names are ranked by :func:`hash_fraction`; the lowest ``round(n * val_fraction)``
    (at least one) go to val, so the split size is exact and stable per seed.
    """
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in (0, 1), got {val_fraction}")
    unique = sorted(set(names))
    ranked = sorted(unique, key=lambda name: (hash_fraction(name, seed), name))
    n_val = max(1, round(len(unique) * val_fraction)) if unique else 0
    val = set(ranked[:n_val])
    return [n for n in unique if n not in val], [n for n in unique if n in val]


def read_class_names(source: Path) -> list[str]:
    """Read ``classes.txt`` from the source folder (one name per line)."""
    return [
        line.strip() for line in (source / "classes.txt").read_text().splitlines() if line.strip()
    ]


def build_dataset(source: Path, out: Path, val_fraction: float = 0.15, seed: int = 0) -> Path:
    """Write the shelves YOLO dataset into ``out``; return data.yaml."""
    source = source.resolve()
    out = out.resolve()
    images = sorted(p for p in (source / "images").iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise FileNotFoundError(f"no images in {source / 'images'}")
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "labels").mkdir(parents=True, exist_ok=True)
    for image in images:
        label = source / "labels" / f"{image.stem}.txt"
        if not label.is_file():
            raise FileNotFoundError(f"missing label {label}")
        link(image, out / "images" / image.name)
        link(label, out / "labels" / label.name)
    train, val = split_names((p.name for p in images), val_fraction, seed)
    for split, names in (("train", train), ("val", val)):
        lines = "".join(f"{out / 'images' / n}\n" for n in names)
        (out / f"{split}.txt").write_text(lines)
    return write_data_yaml(out, read_class_names(source), "train.txt", "val.txt")


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="sku110k_shelves folder")
    parser.add_argument("--out", type=Path, required=True, help="dataset folder to write")
    parser.add_argument("--val-fraction", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(build_dataset(args.source, args.out, args.val_fraction, args.seed))


if __name__ == "__main__":
    main()
