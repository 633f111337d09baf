"""A small residual CNN that maps a crop to a unit vector, and the CosFace head it trains with.

No pretrained weights exist offline, so the network is small enough to train from scratch on
a few thousand photos on a CPU, and cheap enough to embed a crop in about a millisecond.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional


def conv_bn(cin: int, cout: int, stride: int = 1, groups: int = 1, k: int = 3) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class Block(nn.Module):
    """Basic residual block (two 3x3 convs), projecting the shortcut when the shape changes."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = conv_bn(cin, cout, stride)
        self.conv2 = nn.Sequential(nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.short: nn.Module = (
            nn.Identity()
            if stride == 1 and cin == cout
            else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return functional.relu(self.conv2(self.conv1(x)) + self.short(x))


class EmbedNet(nn.Module):
    """(N, 3, S, S) RGB in 0-1 -> (N, dim) L2-normalised embeddings."""

    MEAN = (0.485, 0.456, 0.406)
    STD = (0.229, 0.224, 0.225)

    def __init__(self, dim: int = 128, widths: tuple[int, ...] = (24, 48, 96, 192)) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(self.MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(self.STD).view(1, 3, 1, 1))
        layers: list[nn.Module] = [
            conv_bn(3, widths[0] // 2, 2),
            conv_bn(widths[0] // 2, widths[0], 1),
        ]
        cin = widths[0]
        for w in widths:
            layers += [Block(cin, w, 2), Block(w, w, 1)]
            cin = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.Linear(cin * 2, dim), nn.BatchNorm1d(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean) / self.std
        f = self.features(x)
        pooled = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], dim=1)
        return functional.normalize(self.head(pooled), dim=1)


class CosFace(nn.Module):
    """Cosine classifier with an additive margin: logits = s * (cos - m at the true class)."""

    def __init__(self, dim: int, n_classes: int, scale: float = 24.0, margin: float = 0.25) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_classes, dim) * 0.01)
        self.scale = scale
        self.margin = margin

    def forward(self, emb: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        cos = emb @ functional.normalize(self.weight, dim=1).T
        if labels is not None:
            cos = cos - self.margin * functional.one_hot(labels, cos.shape[1]).to(cos.dtype)
        return self.scale * cos
