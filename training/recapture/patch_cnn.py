"""A small CNN that tells a patch of a re-photographed screen or print from a real scene.

Trained on random 64 px patches (``patch_data``); a photo's score is the mean logit of its
patches on an even grid. About 34 M multiply-adds per patch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from training.recapture.patch_data import Photo, grid_patches, random_patch

log = logging.getLogger(__name__)


def _block(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class PatchNet(nn.Module):
    """(N, 3, 64, 64) uint8-range float RGB -> (N,) logit of "recaptured"."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            _block(3, w, 1),
            _block(w, 2 * w, 2),
            _block(2 * w, 2 * w, 1),
            _block(2 * w, 4 * w, 2),
            _block(4 * w, 4 * w, 1),
            _block(4 * w, 8 * w, 2),
            _block(8 * w, 8 * w, 1),
        )
        self.head = nn.Linear(8 * w, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x / 127.5 - 1.0
        x = self.features(x).mean(dim=(2, 3))
        return self.head(x).squeeze(1)


@dataclass(frozen=True)
class TrainParams:
    steps: int = 1200
    batch: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    width: int = 16
    seed: int = 0


def _sampling_weights(photos: Sequence[Photo]) -> NDArray[np.float64]:
    """Half the patches from recaptures; genuine patches split evenly between
    genuine photos of the mixed sources and the genuine shelf/outlet sets."""
    positive = np.array([p.positive for p in photos])
    shelf = np.array([p.source in ("sku110k", "heineken") for p in photos])
    groups = [positive, ~positive & ~shelf, ~positive & shelf]
    shares = [0.5, 0.25, 0.25]
    w = np.zeros(len(photos))
    for mask, share in zip(groups, shares, strict=True):
        if mask.any():
            w[mask] = share / mask.sum()
    return w / w.sum()


def train(photos: Sequence[Photo], params: TrainParams) -> PatchNet:
    torch.manual_seed(params.seed)
    rng = np.random.default_rng(params.seed)
    net = PatchNet(params.width)
    opt = torch.optim.AdamW(net.parameters(), lr=params.lr, weight_decay=params.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=params.lr, total_steps=params.steps, pct_start=0.1
    )
    weights = _sampling_weights(photos)
    loss_fn = nn.BCEWithLogitsLoss()
    net.train()
    started = time.perf_counter()
    running = 0.0
    for step in range(params.steps):
        picks = rng.choice(len(photos), size=params.batch, p=weights)
        batch = np.stack([random_patch(photos[i], rng) for i in picks])
        x = torch.from_numpy(batch).permute(0, 3, 1, 2).float()
        y = torch.tensor([float(photos[i].positive) for i in picks])
        loss = loss_fn(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        value = float(loss.detach())
        running = 0.98 * running + 0.02 * value if step else value
        if (step + 1) % 200 == 0:
            log.info(
                "step %d/%d loss %.3f (%.0f s)",
                step + 1,
                params.steps,
                running,
                time.perf_counter() - started,
            )
    net.eval()
    return net


@torch.no_grad()
def photo_scores(net: PatchNet, photos: Sequence[Photo], patches: int = 48) -> NDArray[np.float64]:
    """Mean patch logit of each photo, over ``patches`` grid patches."""
    out = []
    for photo in photos:
        grid = grid_patches(photo.rgb, patches)
        x = torch.from_numpy(grid).permute(0, 3, 1, 2).float()
        out.append(float(net(x).mean()))
    return np.array(out)
