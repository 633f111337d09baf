"""Train a YOLO detector on the CPU, fully offline, from a config file.

Usage::

    python -m training.detect.train --config training/configs/shelves_yolo11n.yaml [--resume]

The config names the model yaml (never a ``.pt``: that would download), the
dataset builder with its source paths and the ultralytics training arguments.
The dataset is (re)built under ``runs/<name>/dataset`` and the run is saved
to ``runs/<name>`` (weights in ``runs/<name>/weights/{last,best}.pt``).
"""

from __future__ import annotations

import argparse
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RUNS_DIR = REPO_ROOT / "runs"
TORCH_THREADS = 2

# Arguments that every run gets; a config cannot override them.
FIXED_TRAIN_ARGS: dict[str, Any] = {
    "device": "cpu",
    "workers": 0,
    "amp": False,
    "plots": False,
    "pretrained": False,
    "exist_ok": True,
}


@dataclass(frozen=True)
class TrainConfig:
    """A training config file, parsed."""

    name: str
    model: str
    dataset: dict[str, Any]
    train: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> TrainConfig:
        """Validate and build a config from a parsed yaml mapping."""
        model = str(data["model"])
        if not model.endswith((".yaml", ".yml")):
            raise ValueError(f"model must be an architecture yaml, got {model!r}")
        dataset = dict(data["dataset"])
        for key in ("source", "coco", "images_root"):
            # Relative data paths are relative to the repository (../shared/datasets/...).
            if key in dataset and not Path(str(dataset[key])).is_absolute():
                dataset[key] = str((REPO_ROOT / str(dataset[key])).resolve())
        dataset["also_coco"] = [
            str(path if Path(str(path)).is_absolute() else (REPO_ROOT / str(path)).resolve())
            for path in dataset.get("also_coco", [])
        ]
        if dataset.get("builder") not in {"coco", "shelves"}:
            raise ValueError(
                f"dataset.builder must be 'coco' or 'shelves', got {dataset.get('builder')!r}"
            )
        train = dict(data.get("train") or {})
        clash = sorted(set(train) & (set(FIXED_TRAIN_ARGS) | {"data", "project", "name", "model"}))
        if clash:
            raise ValueError(f"train section may not set {clash}")
        return cls(name=str(data["name"]), model=model, dataset=dataset, train=train)


def load_config(path: Path) -> TrainConfig:
    """Read a training config yaml."""
    return TrainConfig.from_mapping(yaml.safe_load(path.read_text()))


def configure_offline(config_dir: Path) -> None:
    """Make ultralytics run without network access.

    Must run before ``ultralytics`` is imported: it reads the environment at
    import time.
    """
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "0"
    os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    os.environ.setdefault("OMP_NUM_THREADS", str(TORCH_THREADS))
    import matplotlib

    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    fonts_dir = config_dir / "Ultralytics"
    fonts_dir.mkdir(parents=True, exist_ok=True)
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        if not (fonts_dir / name).exists():
            shutil.copyfile(font, fonts_dir / name)

    import ultralytics.utils.torch_utils as torch_utils
    from ultralytics import settings

    settings.update({"sync": False})
    # ultralytics pins torch to cpu_count - 1 threads (1 here); select_device reads this.
    torch_utils.NUM_THREADS = TORCH_THREADS  # type: ignore[attr-defined]


def build_data(dataset: Mapping[str, Any], out: Path) -> Path:
    """Build the dataset described by a config's ``dataset`` section; return data.yaml."""
    if dataset["builder"] == "coco":
        from training.detect import coco_to_yolo

        also = [(Path(path), Path(path).parent) for path in dataset.get("also_coco", [])]
        return coco_to_yolo.build_dataset(
            Path(dataset["coco"]), Path(dataset["images_root"]), out, also
        )
    from training.detect import shelves_dataset

    return shelves_dataset.build_dataset(
        Path(dataset["source"]),
        out,
        val_fraction=float(dataset.get("val_fraction", 0.15)),
        seed=int(dataset.get("split_seed", 0)),
    )


def checkpoint_epoch(path: Path) -> int:
    """Return the last completed epoch stored in a checkpoint (-1 once training finished)."""
    import torch

    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    return int(ckpt.get("epoch", -1))


def train(
    cfg: TrainConfig, runs_dir: Path, resume: bool = False, init_weights: Path | None = None
) -> Path:
    """Train (or resume) the run described by ``cfg``; return its save folder.

    ``init_weights`` starts a new schedule from earlier weights (a checkpoint committed under
    ``training/checkpoints/`` by an earlier session), since ``runs/`` does not outlive one.
    """
    runs_dir = runs_dir.resolve()
    save_dir = runs_dir / cfg.name
    configure_offline(runs_dir / ".yolo_config")
    from ultralytics.models import YOLO

    last = save_dir / "weights" / "last.pt"
    if resume and last.exists():
        if checkpoint_epoch(last) < 0:
            print(f"{cfg.name}: training already finished ({last})", flush=True)
            return save_dir
        print(f"{cfg.name}: resuming from {last}", flush=True)
        YOLO(str(last)).train(resume=True, device="cpu", workers=0, plots=False)
        return save_dir

    data_yaml = build_data(cfg.dataset, save_dir / "dataset")
    args = {**cfg.train, **FIXED_TRAIN_ARGS}
    if init_weights is not None:
        # The trainer builds its model from the yaml and copies every tensor of the same
        # name and shape from ``pretrained`` (all but the class head when the classes differ).
        # ``YOLO(yaml).load(pt)`` is not enough: train() rebuilds the model from the yaml.
        print(f"{cfg.name}: starting from the weights in {init_weights}", flush=True)
        args["pretrained"] = str(Path(init_weights).resolve())
    YOLO(cfg.model).train(data=str(data_yaml), project=str(runs_dir), name=cfg.name, **args)
    return save_dir


def parse_override(text: str) -> tuple[str, Any]:
    """Parse a ``KEY=VALUE`` override; VALUE is read as yaml (numbers, bools)."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, yaml.safe_load(value)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, required=True, help="training config yaml")
    parser.add_argument(
        "--resume", action="store_true", help="resume from runs/<name>/weights/last.pt if present"
    )
    parser.add_argument(
        "--runs-dir", type=Path, default=DEFAULT_RUNS_DIR, help="parent folder of runs"
    )
    parser.add_argument("--name", help="run name (default: the config's name)")
    parser.add_argument(
        "--init-weights", type=Path, help="start from these weights (e.g. training/checkpoints/)"
    )
    parser.add_argument(
        "--also-coco",
        type=Path,
        action="append",
        default=[],
        help="a reviewers' label export (COCO annotations.json, images beside it) to train "
        "on too; repeatable",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        type=parse_override,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a train argument, e.g. --set epochs=1 --set fraction=0.25",
    )
    args = parser.parse_args(argv)
    cfg = load_config(args.config)
    data = {
        "name": args.name or cfg.name,
        "model": cfg.model,
        "dataset": {
            **cfg.dataset,
            "also_coco": [
                *cfg.dataset.get("also_coco", []),
                *(str(p.resolve()) for p in args.also_coco),
            ],
        },
        "train": {**cfg.train, **dict(args.overrides)},
    }
    train(
        TrainConfig.from_mapping(data),
        args.runs_dir,
        resume=args.resume,
        init_weights=args.init_weights,
    )


if __name__ == "__main__":
    main()
