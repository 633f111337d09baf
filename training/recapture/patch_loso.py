"""Leave-one-source-out scores of the patch CNN, saved for comparison and stacking.

Usage::

    python -m training.recapture.patch_loso --out runs/recapture/patch_loso.npz [--steps N]

For each held-out source (the four people, then the two genuine sets), a CNN trained on
every other source scores the held-out photos; the scores, labels, sources and paths are
written to ``--out``.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
import torch

from shelfaudit.evaluation.recapture import roc_auc, tpr_at_fpr
from training.recapture.data import (
    GENUINE_SOURCES,
    MIXED_SOURCES,
    genuine_samples,
    manifest_samples,
)
from training.recapture.patch_cnn import TrainParams, photo_scores, train
from training.recapture.patch_data import load_photos

REPO_ROOT = Path(__file__).resolve().parents[2]
log = logging.getLogger("training.recapture.patch_loso")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=REPO_ROOT.parent / "shared" / "datasets")
    default_out = REPO_ROOT / "runs" / "recapture" / "patch_loso.npz"
    parser.add_argument("--out", type=Path, default=default_out)
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--patches", type=int, default=48)
    parser.add_argument("--hold", nargs="*", default=[*MIXED_SOURCES, *GENUINE_SOURCES])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-shelf", action="store_true", help="train without the shelf sets")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    torch.set_num_threads(2)

    samples = manifest_samples(args.datasets / "recapture" / "manifest.csv")
    samples += genuine_samples(args.datasets)
    photos = load_photos(samples, workers=args.workers)
    scores = np.full(len(photos), np.nan)
    params = TrainParams(steps=args.steps, width=args.width)
    for held in args.hold:
        test = [i for i, p in enumerate(photos) if p.source == held]
        train_set = [
            p
            for p in photos
            if p.source != held and not (args.no_shelf and p.source in GENUINE_SOURCES)
        ]
        net = train(train_set, params)
        scores[test] = photo_scores(net, [photos[i] for i in test], args.patches)
        positive = np.array([photos[i].positive for i in test])
        if positive.any() and (~positive).any():
            log.info(
                "held out %s: AUC %.3f TPR@5%% %.3f",
                held,
                roc_auc(positive, scores[test]),
                tpr_at_fpr(positive, scores[test], 0.05),
            )
        else:
            log.info("held out %s: mean logit %.3f", held, float(np.mean(scores[test])))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            args.out,
            scores=scores,
            positive=np.array([p.positive for p in photos]),
            source=np.array([p.source for p in photos]),
            path=np.array([p.path for p in photos]),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
