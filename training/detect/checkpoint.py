"""Keep a run's weights across sessions: strip the optimizer and copy them into the repo.

Usage::

    python -m training.detect.checkpoint --run runs/shelves_yolo11n \
        --out training/checkpoints/shelves_yolo11n.pt

The next session continues with
``python -m training.detect.train --config ... --init-weights training/checkpoints/...pt``.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from pathlib import Path

from training.detect.train import configure_offline


def save_checkpoint(run: Path, out: Path, which: str = "best") -> Path:
    configure_offline(run.parent.resolve() / ".yolo_config")
    from ultralytics.utils.torch_utils import strip_optimizer

    source = run / "weights" / f"{which}.pt"
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, out)
    strip_optimizer(str(out))  # weights only (fp16), a fifth of the size
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--which",
        choices=("best", "last"),
        default="best",
        help="last: the latest epoch, to continue a run whose val metric is still noise",
    )
    args = parser.parse_args(argv)
    path = save_checkpoint(args.run, args.out, args.which)
    print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
