"""Export a trained YOLO checkpoint to ONNX at the image size its run trained at.

Usage::

    python -m training.detect.export --config training/configs/outlet_yolo11n.yaml \
        [--weights runs/outlet_yolo11n/weights/best.pt]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import yaml

from training.detect.train import DEFAULT_RUNS_DIR, TrainConfig, configure_offline, load_config

DEFAULT_OPSET = 17


def default_weights(cfg: TrainConfig, runs_dir: Path) -> Path:
    """Return ``runs/<name>/weights/best.pt`` for a config."""
    return runs_dir / cfg.name / "weights" / "best.pt"


def trained_imgsz(weights: Path, cfg: TrainConfig) -> int:
    """The image size the run of ``weights`` (``runs/NAME/weights/x.pt``) trained at, from
    its ``args.yaml``; the config's when the run left none (``--set imgsz=...`` is kept
    there, not in the config)."""
    args = weights.resolve().parent.parent / "args.yaml"
    if args.is_file():
        trained = (yaml.safe_load(args.read_text()) or {}).get("imgsz")
        if isinstance(trained, int):
            return trained
    return int(cfg.train.get("imgsz", 640))


def export_onnx(weights: Path, imgsz: int, runs_dir: Path, opset: int = DEFAULT_OPSET) -> Path:
    """Export ``weights`` to a static-shape ONNX file next to it; return its path."""
    configure_offline(runs_dir.resolve() / ".yolo_config")
    from ultralytics.models import YOLO

    out = YOLO(str(weights)).export(
        format="onnx", imgsz=imgsz, opset=opset, simplify=False, dynamic=False, device="cpu"
    )
    return Path(out)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True, help="training config yaml")
    parser.add_argument(
        "--weights", type=Path, help="checkpoint (default: runs/<name>/weights/best.pt)"
    )
    parser.add_argument("--runs-dir", type=Path, default=DEFAULT_RUNS_DIR)
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET)
    args = parser.parse_args(argv)
    cfg = load_config(args.config)
    weights = args.weights or default_weights(cfg, args.runs_dir)
    print(export_onnx(weights, trained_imgsz(weights, cfg), args.runs_dir, args.opset))


if __name__ == "__main__":
    main()
