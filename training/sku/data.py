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

__all__ = ["CANVAS", "STORE_SIDE", "Augment", "load_rgb", "read_classes", "read_split"]

STORE_SIDE = 160  # photos are cached at this side; crops are resized to the model input
CANVAS = 160  # side of the store background a packshot is staged on


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
        many_share: float = 0.0,
    ) -> None:
        self.rng = rng
        self.backgrounds = backgrounds
        self.white_share = white_share
        self.many_share = many_share

    def photo(self, rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
        h, w = rgb.shape[:2]
        area = self.rng.uniform(0.35, 1.0) * h * w
        aspect = np.exp(self.rng.uniform(np.log(0.6), np.log(1.6)))
        cw = int(min(w, round(np.sqrt(area * aspect))))
        ch = int(min(h, round(np.sqrt(area / aspect))))
        x = int(self.rng.integers(0, w - cw + 1))
        y = int(self.rng.integers(0, h - ch + 1))
        return self.photometric(self.rotate(rgb[y : y + ch, x : x + cw]))

    def packshot(
        self, rgb: NDArray[np.uint8], mask: NDArray[np.uint8], loose: bool = False
    ) -> NDArray[np.uint8]:
        """The product pasted on a real store background (or left on white), then shot.

        With ``many_share`` the view is instead many copies of the product, as stores show
        them: a heap for ``loose`` produce (one avocado packshot, a crate of avocados in the
        photo), side-by-side facings for packaged goods.
        """
        draw = self.rng.random()
        if draw < self.many_share:
            out = self.heap(rgb, mask) if loose else self.facings(rgb, mask)
        elif draw < self.many_share + self.white_share:
            out = rgb.copy()
        else:
            out = self.paste(rgb, mask)
        return self.photometric(self.rotate(out), blur=True)

    def canvas(self) -> NDArray[np.uint8]:
        bg = self.backgrounds[int(self.rng.integers(len(self.backgrounds)))]
        side = min(bg.shape[:2])
        return np.asarray(
            cv2.resize(bg[:side, :side], (CANVAS, CANVAS), interpolation=cv2.INTER_AREA)
        )

    def put(
        self,
        canvas: NDArray[np.uint8],
        obj: NDArray[np.uint8],
        alpha: NDArray[np.float64],
        x: int,
        y: int,
    ) -> None:
        """Alpha-blend ``obj`` with its top-left corner at (x, y), clipped to the canvas."""
        h, w = obj.shape[:2]
        x1, y1 = max(0, x), max(0, y)
        x2, y2 = min(canvas.shape[1], x + w), min(canvas.shape[0], y + h)
        if x2 <= x1 or y2 <= y1:
            return
        o = obj[y1 - y : y2 - y, x1 - x : x2 - x].astype(np.float32)
        a = alpha[y1 - y : y2 - y, x1 - x : x2 - x]
        region = canvas[y1:y2, x1:x2].astype(np.float32)
        canvas[y1:y2, x1:x2] = (a * o + (1 - a) * region).astype(np.uint8)

    def heap(self, rgb: NDArray[np.uint8], mask: NDArray[np.uint8]) -> NDArray[np.uint8]:
        """Copies of a loose product, turned and overlapping, covering the frame like a crate."""
        canvas = self.canvas()
        ph, pw = rgb.shape[:2]
        size = self.rng.uniform(0.22, 0.45) * CANVAS  # long side of one item
        step = max(8, int(size * 0.6))
        spots = [
            (x, y) for y in range(-step // 2, CANVAS, step) for x in range(-step // 2, CANVAS, step)
        ]
        for i in self.rng.permutation(len(spots)):
            scale = size * self.rng.uniform(0.85, 1.15) / max(ph, pw)
            nw, nh = max(6, round(pw * scale)), max(6, round(ph * scale))
            obj = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
            alpha = cv2.resize(mask, (nw, nh), interpolation=cv2.INTER_LINEAR) / 255.0
            side = int(np.ceil(np.hypot(nw, nh)))
            m = cv2.getRotationMatrix2D((nw / 2, nh / 2), self.rng.uniform(0, 360), 1.0)
            m[:, 2] += ((side - nw) / 2, (side - nh) / 2)
            obj = cv2.warpAffine(obj, m, (side, side))
            alpha = cv2.warpAffine(alpha, m, (side, side))[:, :, None]
            if self.rng.random() < 0.5:
                obj, alpha = obj[:, ::-1], alpha[:, ::-1]
            x, y = spots[i]
            dx, dy = (int(j) - side // 4 for j in self.rng.integers(-step // 3, step // 3 + 1, 2))
            self.put(canvas, obj, alpha, x + dx, y + dy)
        return canvas

    def facings(self, rgb: NDArray[np.uint8], mask: NDArray[np.uint8]) -> NDArray[np.uint8]:
        """A packaged product repeated side by side, in one or two rows, as on a shelf."""
        canvas = self.canvas()
        ph, pw = rgb.shape[:2]
        rows = int(self.rng.integers(1, 3))
        scale = self.rng.uniform(0.8, 1.0) * CANVAS / rows / ph
        nw, nh = max(6, round(pw * scale)), max(6, round(ph * scale))
        if nw > 100:  # a wide pack: shrink it so at least two fit across
            nw, nh = 100, max(6, round(nh * 100 / nw))
        obj = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
        alpha = (cv2.resize(mask, (nw, nh), interpolation=cv2.INTER_LINEAR) / 255.0)[:, :, None]
        gap = int(self.rng.integers(0, 6))
        x0 = int(self.rng.integers(-nw // 2, 1))
        for r in range(rows):
            y = r * (nh + gap) + int(self.rng.integers(0, 4))
            for x in range(x0, CANVAS, nw + gap):
                self.put(canvas, obj, alpha, x, y)
        return canvas

    def paste(self, rgb: NDArray[np.uint8], mask: NDArray[np.uint8]) -> NDArray[np.uint8]:
        canvas = self.canvas()
        ph, pw = rgb.shape[:2]
        scale = self.rng.uniform(0.55, 1.0) * CANVAS / max(ph, pw)
        nw, nh = max(8, round(pw * scale)), max(8, round(ph * scale))
        obj = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
        alpha = cv2.resize(mask, (nw, nh), interpolation=cv2.INTER_LINEAR)[:, :, None] / 255.0
        x = int(self.rng.integers(0, CANVAS - nw + 1))
        y = int(self.rng.integers(0, CANVAS - nh + 1))
        self.put(canvas, obj, alpha, x, y)
        # Crop around the product, loosely, like a photo of one held item.
        margin = self.rng.uniform(0.0, 0.35)
        x1 = max(0, int(x - margin * nw))
        y1 = max(0, int(y - margin * nh))
        x2 = min(CANVAS, int(x + nw + margin * nw))
        y2 = min(CANVAS, int(y + nh + margin * nh))
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
