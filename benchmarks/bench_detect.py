"""Detector latency per stage on this machine: preprocess, inference, postprocess.

Run: .venv/bin/python benchmarks/bench_detect.py [--model shelves] [--photos 8] [--rounds 5]
     [--threads 2] [--tiles 1] [--no-mirror] [--float | --int8]

Uses the registry's ONNX model through the service's own code (ONNX Runtime, letterbox,
decode, NMS) on real photos decoded as the pipeline decodes them, and prints the median and
p90 of each stage and photos per second. With a CUDA ONNX Runtime it also runs on the GPU.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from shelfaudit.analyse.decode import decode
from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from shelfaudit.ml.yolo import DetectOptions, Timings, YoloDetector

REPO = Path(__file__).resolve().parents[1]
PHOTOS = {
    "shelves": REPO.parent / "shared/datasets/sku110k_shelves/images",
    "outlet": REPO.parent / "shared/datasets/heineken_displays/images",
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="shelves", choices=sorted(PHOTOS))
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tiles", type=int, default=1, help="n x n tiles as well (1: off)")
    parser.add_argument(
        "--no-mirror",
        dest="mirror",
        action="store_false",
        help="one pass only (the service fuses a mirrored pass in by default)",
    )
    served = parser.add_mutually_exclusive_group()
    served.add_argument(
        "--float",
        dest="int8",
        action="store_const",
        const=False,
        help="the float32 file an int8 model was quantised from (registry meta float_file)",
    )
    served.add_argument(
        "--int8", dest="int8", action="store_const", const=True, help="the int8 file"
    )
    args = parser.parse_args()

    # Default: what the service serves on this CPU (int8 only with VNNI; ml/cpu.py).
    registry = Registry.load(REPO / "models", int8=args.int8)
    if args.model not in registry.entries:
        print(f"{args.model} is not in models/registry.json", file=sys.stderr)
        return 2
    cache = ModelCache(registry, SessionOptions(intra_op_threads=args.threads))
    detector = cache.get(args.model, YoloDetector)
    images = [
        decode(p.read_bytes(), target_long_side=1024, max_pixels=10**8).rgb
        for p in sorted(PHOTOS[args.model].glob("*.jpg"))[: args.photos]
    ]
    options = DetectOptions(tiles=args.tiles, mirror=args.mirror)
    detector.detect(images[0], options)  # warm-up
    stages: dict[str, list[float]] = {
        "preprocess": [],
        "inference": [],
        "postprocess": [],
        "total": [],
    }
    started = time.perf_counter()
    for _ in range(args.rounds):
        for image in images:
            timings = Timings()
            detector.detect(image, options, timings)
            stages["preprocess"].append(timings.preprocess_ms)
            stages["inference"].append(timings.inference_ms)
            stages["postprocess"].append(timings.postprocess_ms)
            stages["total"].append(
                timings.preprocess_ms + timings.inference_ms + timings.postprocess_ms
            )
    elapsed = time.perf_counter() - started
    providers = detector.session.get_providers()
    print(
        f"{detector.version} at {detector.imgsz} px, tiles {args.tiles}x{args.tiles}, "
        f"mirror {'on' if args.mirror else 'off'}, "
        f"{len(images)} photos x {args.rounds} rounds, "
        f"{args.threads} threads, {providers[0]}"
    )
    print(f"{'stage':<12}{'median ms':>10}{'p90 ms':>10}")
    for name, values in stages.items():
        print(f"{name:<12}{statistics.median(values):>10.1f}{pct(values, 0.9):>10.1f}")
    print(f"{len(stages['total']) / elapsed:.1f} photos/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
