"""Quantise a SKU embedder to int8 for serving: static QDQ quantisation with ONNX Runtime,
calibrated on GroceryStore *train* photos read the way the pipeline reads them.

Usage::

    python -m training.sku.quantize --onnx models/sku/sku-embedder-v5.onnx \
        --out models/sku/sku-embedder-v5-int8.onnx [--root ../shared/datasets/grocery_store] \
        [--photos 200] [--size 128]

Weights are int8 per output channel, activations uint8 with ranges from the calibration
photos (min/max). Val photos are never read here, so ``shelfaudit eval sku`` on val still
measures unseen photos. Needs onnxruntime only (no torch).
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator, Sequence
from pathlib import Path

from shelfaudit.evaluation.sku import photo_loader, read_split
from shelfaudit.ml.embedder import INPUT, to_input
from training.quantize import Feed, quantize_qdq

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ROOT = REPO_ROOT.parent / "shared" / "datasets" / "grocery_store"
SEED = 0


def feeds(paths: Sequence[Path], size: int) -> Iterator[Feed]:
    """Calibration photos one at a time, as the embedder's input tensor."""
    load = photo_loader(1024, 50_000_000)
    for path in paths:
        yield {INPUT: to_input(load(path), size)[None]}


def calibration_photos(root: Path, count: int) -> list[Path]:
    """``count`` train photos drawn with a fixed seed."""
    paths = [sample.path for sample in read_split(root / "train.txt", root)]
    return random.Random(SEED).sample(paths, min(count, len(paths)))


def quantize(onnx_in: Path, onnx_out: Path, photos: Sequence[Path], size: int) -> None:
    """Write the int8 model for ``onnx_in`` to ``onnx_out``."""
    quantize_qdq(onnx_in, onnx_out, feeds(photos, size))


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onnx", type=Path, required=True, help="the float32 embedder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="GroceryStore root")
    parser.add_argument("--photos", type=int, default=200, help="train photos to calibrate on")
    parser.add_argument("--size", type=int, default=128, help="the embedder's input size")
    args = parser.parse_args(argv)
    quantize(args.onnx, args.out, calibration_photos(args.root, args.photos), args.size)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
