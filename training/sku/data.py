"""GroceryStore in memory, and the augmentations that close the packshot-to-shelf gap.

A split file has ``path, fine_id, coarse_id`` lines relative to the dataset root, which also
holds ``classes.csv`` (with each class's packshot path). Photos are kept at ``STORE_SIDE``
pixels; packshots keep a background mask (``shelfaudit.ml.packshot.foreground_mask``) so
augmentation can paste the product onto real in-store backgrounds.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

# The split and classes.csv readers are the service's (what `shelfaudit eval sku` reads).
from shelfaudit.evaluation.sku import read_classes, read_split

__all__ = ["STORE_SIDE", "Augment", "load_rgb", "read_classes", "read_split"]

STORE_SIDE = 160  # photos are cached at this side; crops are resized to the model input


def load_rgb(path: Path, side: int | None = None) -> NDArray[np.uint8]:
    """An RGB image, optionally resized so its long side is ``side``."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot read image {path}")
    if side is not None:
        h, w = bgr.shape[:2]
        gain = side / max(h, w)
        if gain < 1:
            bgr = cv2.resize(bgr, (round(w * gain), round(h * gain)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(bgr[:, :, ::-1])


class Augment:
    """Random views of photos and packshots, as uint8 RGB crops of any aspect."""

    def __init__(
        self,
        rng: np.random.Generator,
        backgrounds: list[NDArray[np.uint8]],
        white_share: float = 0.2,
    ) -> None:
        self.rng = rng
        self.backgrounds = backgrounds
        self.white_share = white_share

    def photo(self, rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
        h, w = rgb.shape[:2]
        area = self.rng.uniform(0.35, 1.0) * h * w
        aspect = np.exp(self.rng.uniform(np.log(0.6), np.log(1.6)))
        cw = int(min(w, round(np.sqrt(area * aspect))))
        ch = int(min(h, round(np.sqrt(area / aspect))))
        x = int(self.rng.integers(0, w - cw + 1))
        y = int(self.rng.integers(0, h - ch + 1))
        return self.photometric(self.rotate(rgb[y : y + ch, x : x + cw]))

    def packshot(self, rgb: NDArray[np.uint8], mask: NDArray[np.uint8]) -> NDArray[np.uint8]:
        """The product pasted on a real store background (or left on white), then shot."""
        out = rgb.copy() if self.rng.random() < self.white_share else self.paste(rgb, mask)
        return self.photometric(self.rotate(out), blur=True)

    def paste(self, rgb: NDArray[np.uint8], mask: NDArray[np.uint8]) -> NDArray[np.uint8]:
        bg = self.backgrounds[int(self.rng.integers(len(self.backgrounds)))]
        side = min(bg.shape[:2])
        canvas = cv2.resize(bg[:side, :side], (160, 160), interpolation=cv2.INTER_AREA)
        ph, pw = rgb.shape[:2]
        scale = self.rng.uniform(0.55, 1.0) * 160 / max(ph, pw)
        nw, nh = max(8, round(pw * scale)), max(8, round(ph * scale))
        obj = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(mask, (nw, nh), interpolation=cv2.INTER_LINEAR)[:, :, None] / 255.0
        x = int(self.rng.integers(0, 160 - nw + 1))
        y = int(self.rng.integers(0, 160 - nh + 1))
        region = canvas[y : y + nh, x : x + nw].astype(np.float32)
        canvas[y : y + nh, x : x + nw] = (alpha * obj + (1 - alpha) * region).astype(np.uint8)
        # Crop around the product, loosely, like a photo of one held item.
        margin = self.rng.uniform(0.0, 0.35)
        x1 = max(0, int(x - margin * nw))
        y1 = max(0, int(y - margin * nh))
        x2 = min(160, int(x + nw + margin * nw))
        y2 = min(160, int(y + nh + margin * nh))
        return canvas[y1:y2, x1:x2]

    def rotate(self, rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
        angle = self.rng.uniform(-15, 15)
        h, w = rgb.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        return cv2.warpAffine(rgb, m, (w, h), borderMode=cv2.BORDER_REFLECT101)

    def photometric(self, rgb: NDArray[np.uint8], blur: bool = False) -> NDArray[np.uint8]:
        img = rgb.astype(np.float32)
        img = img * self.rng.uniform(0.65, 1.35) + self.rng.uniform(-30, 30)
        mean = img.mean()
        img = (img - mean) * self.rng.uniform(0.7, 1.3) + mean
        grey = img.mean(axis=2, keepdims=True)
        img = grey + (img - grey) * self.rng.uniform(0.6, 1.4)
        img = img * self.rng.uniform(0.9, 1.1, size=3)  # white balance
        out = np.clip(img, 0, 255).astype(np.uint8)
        if blur and self.rng.random() < 0.5:
            k = int(self.rng.choice([3, 5]))
            out = cv2.GaussianBlur(out, (k, k), 0)
        if self.rng.random() < 0.3:
            q = int(self.rng.integers(30, 90))
            ok, enc = cv2.imencode(".jpg", out[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, q])
            if ok:
                out = np.ascontiguousarray(cv2.imdecode(enc, cv2.IMREAD_COLOR)[:, :, ::-1])
        return out
