"""Serve a published detector as int8: quantise it, measure both on val, point the registry
at the int8 file and say so in the model card.

Usage (after ``training.detect.publish``; needs onnxruntime and the service, no torch)::

    python -m training.detect.quantize --config training/configs/outlet_yolo11n.yaml \
        --model outlet [--photos 0] [--models-dir models]

The float model is the one the registry names (or, when it already serves an int8 file,
the float file recorded next to it). Calibration photos are the config's *train* split,
decoded and letterboxed as the service does it (``--photos`` of them, 0: all); val is only
measured. The head's box decoding (the last module's non-Conv nodes: DFL, anchors,
sigmoid) stays float: it is cheap, and 8 bits there would move every box. On 2 CPU cores,
int8 runs the outlet detector in about half the time (``benchmarks/bench_detect.py``).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from shelfaudit.analyse.decode import decode
from shelfaudit.ml.yolo import to_input
from training.detect.publish import MODELS_DIR, images_root_of, val_set
from training.detect.shelves_dataset import split_names
from training.detect.train import TrainConfig, load_config
from training.quantize import Feed, quantize_qdq

SEED = 0
ANALYSIS_LONG_SIDE = 1024  # what the service decodes a photo to before detection
SECTION = "## Served as int8"


def train_photos(cfg: TrainConfig) -> list[Path]:
    """The config's train-split photos (never val)."""
    if cfg.dataset["builder"] == "shelves":
        source = Path(cfg.dataset["source"])
        names = sorted(p.name for p in (source / "images").glob("*.jpg"))
        train, _ = split_names(
            names,
            float(cfg.dataset.get("val_fraction", 0.15)),
            int(cfg.dataset.get("split_seed", 0)),
        )
        return [source / "images" / name for name in train]
    coco_path = Path(cfg.dataset["coco"])
    coco = json.loads(coco_path.read_text())
    root = images_root_of(cfg, coco_path, coco)
    return [root / i["file_name"] for i in coco["images"] if i.get("split") == "train"]


def feeds(paths: Sequence[Path], imgsz: int, input_name: str = "images") -> Iterator[Feed]:
    """Each photo as the detector's input tensor, read as the service reads it."""
    for path in paths:
        rgb = decode(
            path.read_bytes(), target_long_side=ANALYSIS_LONG_SIDE, max_pixels=200_000_000
        ).rgb
        yield {input_name: to_input(rgb, imgsz)[0]}


def head_decode_nodes(onnx_path: Path) -> list[str]:
    """Names of the last module's non-Conv nodes (ultralytics names nodes ``/model.N/...``)."""
    import onnx

    nodes = onnx.load(str(onnx_path)).graph.node
    modules = [int(m.group(1)) for n in nodes if (m := re.match(r"/model\.(\d+)/", n.name))]
    if not modules:
        return []
    head = f"/model.{max(modules)}/"
    return [n.name for n in nodes if n.name.startswith(head) and n.op_type != "Conv"]


def quantize_detector(onnx_in: Path, onnx_out: Path, photos: Sequence[Path], imgsz: int) -> None:
    quantize_qdq(onnx_in, onnx_out, feeds(photos, imgsz), exclude=head_decode_nodes(onnx_in))


def inference_ms(path: Path, imgsz: int, runs: int = 30) -> float:
    """Median ms of one inference on 2 ONNX threads (a random input; cost is shape-bound)."""
    from shelfaudit.ml.sessions import SessionOptions, create_session

    session = create_session(path, SessionOptions(intra_op_threads=2))
    feed = {
        session.get_inputs()[0].name: np.random.default_rng(0).random(
            (1, 3, imgsz, imgsz), dtype=np.float32
        )
    }
    for _ in range(5):
        session.run(None, feed)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.run(None, feed)
        times.append((time.perf_counter() - started) * 1000)
    return float(np.median(times))


def measure(entry: Any, path: Path, cfg: TrainConfig) -> dict[str, Any]:
    """val mAP in one pass and with the mirrored pass, as ``shelfaudit eval detect``."""
    from shelfaudit.evaluation.detect import evaluate_detector
    from shelfaudit.ml.sessions import SessionOptions, create_session
    from shelfaudit.ml.yolo import YoloDetector

    detector = YoloDetector(entry, create_session(path, SessionOptions()))
    coco, images_root, _ = val_set(cfg)
    return {
        "mirror": evaluate_detector(
            detector, coco, images_root=images_root, split="val", mirror=True
        ).model_dump(),
        "one_pass": evaluate_detector(
            detector, coco, images_root=images_root, split="val"
        ).model_dump(),
    }


def card_section(facts: dict[str, Any]) -> str:
    f32, i8 = facts["float32"], facts["int8"]

    def both(pass_: str) -> str:
        return " | ".join(
            f"{m[pass_]['map50']:.3f} / {m[pass_]['map50_95']:.3f}" for m in (f32, i8)
        )

    served = "mirror" if facts["mirrored"] else "one_pass"
    other = "one_pass" if facts["mirrored"] else "mirror"
    label = {"mirror": "with the mirrored pass", "one_pass": "in one pass"}
    return f"""{SECTION}
The service runs `{facts["int8_file"]}`: the float32 model quantised with ONNX Runtime's
static QDQ quantisation (int8 weights per output channel, uint8 activations calibrated on
{facts["photos"]} *train* photos read as the service reads them; val is not read; the head's
box decoding stays float), by `{facts["command"]}` ({facts["date"]}). Measured on val the
same way as above:

| | float32 | int8 (served) |
|---|---|---|
| val mAP50 / mAP50-95 {label[served]} (as served) | {both(served)} |
| val mAP50 / mAP50-95 {label[other]} | {both(other)} |
| one inference at {facts["imgsz"]} px, 2 ONNX threads, this machine | {facts["float_ms"]:.1f} ms \
| {facts["int8_ms"]:.1f} ms |
| file | `{facts["float_file"]}`, {facts["float_mb"]:.1f} MB | `{facts["int8_file"]}`, \
{facts["int8_mb"]:.1f} MB |
| sha256 | `{facts["float_sha256"][:16]}…` | `{facts["int8_sha256"][:16]}…` |

With 60 val photos, a difference of a few thousandths of mAP50 is within noise.
"""


def update_card(card: Path, section: str, *, file: str, sha256: str) -> None:
    """Point the card's header at the served file and put ``section`` in (replacing an
    earlier one) before "Known weaknesses"."""
    text = card.read_text()
    text = re.sub(r"^\| file \| `[^`]*` \|$", f"| file | `{file}` |", text, flags=re.M)
    text = re.sub(r"^\| sha256 \| `[^`]*` \|$", f"| sha256 | `{sha256}` |", text, flags=re.M)
    if SECTION in text:
        start = text.index(SECTION)
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + text[end + 1 :] if end >= 0 else text[:start]
    anchor = text.find("## Known weaknesses")
    if anchor < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        text = text[:anchor] + section + "\n" + text[anchor:]
    card.write_text(text)


def serve_int8(args: argparse.Namespace) -> dict[str, Any]:
    from shelfaudit.analyse.detect import serves_mirrored
    from shelfaudit.ml.registry import ModelEntry, file_sha256
    from shelfaudit.settings import Settings

    cfg = load_config(args.config)
    registry_path = args.models_dir / "registry.json"
    registry = json.loads(registry_path.read_text())
    raw = dict(registry["models"][args.model])
    meta = dict(raw.get("meta", {}))
    float_file = meta.pop("float_file", None) or raw["file"]
    meta.pop("float_sha256", None)
    version = str(raw["version"]).removesuffix("-int8")
    imgsz = int(meta["imgsz"])
    float_path = args.models_dir / float_file
    int8_file = str(Path(float_file).with_name(f"{args.model}-{version}-int8.onnx"))
    int8_path = args.models_dir / int8_file

    photos = train_photos(cfg)
    if args.photos:
        photos = random.Random(SEED).sample(photos, min(args.photos, len(photos)))
    quantize_detector(float_path, int8_path, photos, imgsz)

    float_entry = ModelEntry(
        name=args.model, **{**raw, "file": float_file, "version": version, "meta": meta}
    )
    float_entry = float_entry.model_copy(update={"sha256": file_sha256(float_path)})
    int8_entry = float_entry.model_copy(
        update={
            "file": int8_file,
            "sha256": file_sha256(int8_path),
            "version": f"{version}-int8",
            "meta": {**meta, "float_file": float_file, "float_sha256": float_entry.sha256},
        }
    )
    facts = {
        "float32": measure(float_entry, float_path, cfg),
        "int8": measure(int8_entry, int8_path, cfg),
        "mirrored": serves_mirrored(args.model, Settings()),
        "photos": len(photos),
        "imgsz": imgsz,
        "float_file": float_file,
        "int8_file": int8_file,
        "float_sha256": float_entry.sha256,
        "int8_sha256": int8_entry.sha256,
        "float_mb": float_path.stat().st_size / 1e6,
        "int8_mb": int8_path.stat().st_size / 1e6,
        "float_ms": inference_ms(float_path, imgsz),
        "int8_ms": inference_ms(int8_path, imgsz),
        "command": f"python -m training.detect.quantize --config {args.config} "
        f"--model {args.model}" + (f" --photos {args.photos}" if args.photos else ""),
        "date": time.strftime("%Y-%m-%d"),
    }
    registry["models"][args.model] = int8_entry.model_dump(exclude={"name"})
    registry_path.write_text(json.dumps(registry, indent=2) + "\n")
    card = args.models_dir / str(raw.get("card") or f"{args.model}/CARD.md")
    update_card(card, card_section(facts), file=int8_file, sha256=int8_entry.sha256)
    return facts


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--model", required=True, choices=["outlet", "shelves"])
    parser.add_argument("--photos", type=int, default=0, help="train photos (0: all)")
    parser.add_argument("--models-dir", type=Path, default=MODELS_DIR)
    args = parser.parse_args(argv)
    facts = serve_int8(args)
    summary = {k: facts[k] for k in ("float32", "int8", "float_ms", "int8_ms", "int8_file")}
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
