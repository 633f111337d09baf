"""A product's colours as a unit vector, appended to its embedding for SKU search.

The SKU embedder, trained from scratch on 2,640 photos, tells shapes and prints apart better
than colours: on GroceryStore val its worst classes are produce that differ mostly in colour
(lime, orange, satsumas, peach). A hue-saturation-value histogram of the product adds what it
misses. The histogram is taken over the packshot's product pixels (the white page masked
out) and over the centre of a query, where the product is framed; its square root is a unit
vector, so the dot product of two is their Bhattacharyya coefficient (1: the same colours).

The searched vector is ``[embedding, sqrt(w) * colour] / sqrt(1 + w)``: the dot product of
two is ``(cosine + w * bhattacharyya) / (1 + w)``, still a unit vector, so the gallery's
cosine search ranks by the weighted sum with no change. ``w`` comes from the model's
registry meta (``colour``), set by ``training/sku/colour.py`` from the spread of both scores
on *train* photos, since it depends on the embedder's own scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from shelfaudit.ml.boxes import centre_crop


@dataclass(frozen=True)
class ColourSignature:
    """How colours are measured and how much they weigh against the embedding."""

    weight: float  # of the colours against the embedding's cosine
    bins: tuple[int, int, int] = (16, 4, 4)  # hue, saturation, value
    close_up_centre: float = 0.65  # share of each side of a whole photo measured
    crop_centre: float = 0.8  # share of each side of a detector's (padded) crop measured

    def __post_init__(self) -> None:
        if len(self.bins) != 3 or any(b < 1 or b > 64 for b in self.bins):
            raise ValueError(f"colour bins must be three counts in 1-64, got {self.bins}")
        if not 0 < self.weight <= 10:
            raise ValueError(f"colour weight must lie in (0, 10], got {self.weight}")
        for share in (self.close_up_centre, self.crop_centre):
            if not 0 < share <= 1:
                raise ValueError(f"colour centre shares must lie in (0, 1], got {share}")

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> ColourSignature:
        """From a registry entry's ``colour`` object."""
        return cls(
            bins=tuple(int(b) for b in meta.get("bins", cls.bins)),  # type: ignore[arg-type]
            weight=float(meta["weight"]),
            close_up_centre=float(meta.get("close_up_centre", cls.close_up_centre)),
            crop_centre=float(meta.get("crop_centre", cls.crop_centre)),
        )

    def to_meta(self) -> dict[str, Any]:
        return {
            "bins": list(self.bins),
            "weight": self.weight,
            "close_up_centre": self.close_up_centre,
            "crop_centre": self.crop_centre,
        }

    @property
    def dim(self) -> int:
        return self.bins[0] * self.bins[1] * self.bins[2]

    @property
    def tag(self) -> str:
        """Names what a stored vector's colour part was made with."""
        h, s, v = self.bins
        return f"colour-{h}x{s}x{v}-w{self.weight:g}-c{self.close_up_centre:g},{self.crop_centre:g}"

    def histogram(
        self, rgb: NDArray[np.uint8], mask: NDArray[np.uint8] | None = None
    ) -> NDArray[np.float32]:
        """(dim,) unit vector: the square root of the normalised HSV histogram of ``rgb``
        (H, W, 3) uint8, over the pixels where ``mask`` (H, W) is non-zero if given. A
        picture with no pixels counted gives zeros (it matches no colour)."""
        hsv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2HSV)
        counts = cv2.calcHist(
            [hsv], [0, 1, 2], mask, list(self.bins), [0, 180, 0, 256, 0, 256]
        ).ravel()
        total = float(counts.sum())
        if total <= 0:
            return np.zeros(self.dim, np.float32)
        return np.asarray(np.sqrt(counts / total), np.float32)

    def of_centres(self, images: Sequence[NDArray[np.uint8]], share: float) -> NDArray[np.float32]:
        """(N, dim) histograms of each image's centre."""
        out = np.zeros((len(images), self.dim), np.float32)
        for i, image in enumerate(images):
            out[i] = self.histogram(centre_crop(image, share))
        return out

    def append(
        self, embeddings: NDArray[np.float32], colours: NDArray[np.float32]
    ) -> NDArray[np.float32]:
        """(N, d) unit embeddings and (N, dim) colour vectors -> (N, d + dim) unit vectors."""
        scale = np.float32(np.sqrt(self.weight))
        joined = np.concatenate([embeddings, scale * colours], axis=1)
        norms = np.linalg.norm(joined, axis=1, keepdims=True)
        return np.asarray(joined / np.maximum(norms, 1e-12), np.float32)
