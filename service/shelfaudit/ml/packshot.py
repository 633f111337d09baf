"""A packshot's embedding: the mean over a few views that look more like an in-store photo.

A packshot is a product on a white page; a facing is the same product among others, under
shop light. Embedding the packshot alone puts it at the edge of where its shelf photos land;
averaging the embeddings of the product on a few plain backgrounds, loosely framed and
slightly turned, moves it toward them (on GroceryStore val with sku_embedder v1: packshot-
gallery top-1 0.264 -> 0.324). The views are deterministic, so the same packshot always gives
the same vector. ``foreground_mask`` and ``tight`` are shared with training (training/sku).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from shelfaudit.ml.embedder import Embedder

# (background RGB, product size as a share of the frame)
BACKGROUNDS: tuple[tuple[tuple[int, int, int], float], ...] = (
    ((128, 128, 128), 0.8),
    ((90, 90, 90), 0.6),
    ((200, 200, 200), 0.9),
    ((60, 70, 80), 0.7),
    ((170, 150, 120), 0.75),
)
ANGLES = (-8.0, 8.0)
VIEWS_VERSION = "views-1"


def foreground_mask(rgb: NDArray[np.uint8], white: int = 235) -> NDArray[np.uint8]:
    """255 where the product is: everything but near-white pixels connected to the border."""
    near_white = np.all(rgb >= white, axis=2).astype(np.uint8)
    h, w = near_white.shape
    flood = near_white.copy()
    mask = np.zeros((h + 2, w + 2), np.uint8)
    for x, y in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)):
        if flood[y, x] == 1:
            cv2.floodFill(flood, mask, (x, y), 2)
    fg = (flood != 2).astype(np.uint8) * 255
    return np.asarray(cv2.erode(fg, np.ones((3, 3), np.uint8)), np.uint8)


def tight(
    rgb: NDArray[np.uint8], mask: NDArray[np.uint8]
) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """An image and its mask cropped to the mask's bounding box (unchanged if it is empty)."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return rgb, mask
    y1, y2, x1, x2 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    return rgb[y1:y2, x1:x2], mask[y1:y2, x1:x2]


def views(
    rgb: NDArray[np.uint8], cut: tuple[NDArray[np.uint8], NDArray[np.uint8]] | None = None
) -> list[NDArray[np.uint8]]:
    """The packshot as given, on plain backgrounds, tightly framed, and turned a little;
    ``cut``: its ``tight`` product and mask, when the caller has them already."""
    product, alpha_mask = cut or tight(rgb, foreground_mask(rgb))
    h, w = product.shape[:2]
    alpha = alpha_mask[:, :, None].astype(np.float32) / 255
    out = [rgb]
    for colour, share in BACKGROUNDS:
        side = int(max(h, w) / share)
        canvas = np.empty((side, side, 3), np.uint8)
        canvas[:] = colour
        y, x = (side - h) // 2, (side - w) // 2
        region = canvas[y : y + h, x : x + w].astype(np.float32)
        canvas[y : y + h, x : x + w] = (alpha * product + (1 - alpha) * region).astype(np.uint8)
        out.append(canvas)
    out.append(np.ascontiguousarray(product))
    for angle in ANGLES:
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        out.append(
            np.asarray(cv2.warpAffine(product, turn, (w, h), borderValue=(255, 255, 255)), np.uint8)
        )
    return out


def embed_packshots(embedder: Embedder, packshots: list[NDArray[np.uint8]]) -> NDArray[np.float32]:
    """(N, vector_dim) unit vectors, one per packshot: the normalised mean of its views'
    embeddings, and with the embedder's ``colour`` the colours of the product (the white
    page masked out) appended."""
    if not packshots:
        return np.zeros((0, embedder.vector_dim), np.float32)
    cuts = [tight(p, foreground_mask(p)) for p in packshots]
    per = [views(p, cut) for p, cut in zip(packshots, cuts, strict=True)]
    flat = embedder.embed([v for group in per for v in group])
    out = np.empty((len(packshots), embedder.dim), np.float32)
    start = 0
    for i, group in enumerate(per):
        mean = flat[start : start + len(group)].mean(axis=0)
        out[i] = mean / max(float(np.linalg.norm(mean)), 1e-12)
        start += len(group)
    if embedder.colour is None:
        return out
    colours = np.stack([embedder.colour.histogram(product, mask) for product, mask in cuts])
    return embedder.colour.append(out, colours)


def packshot_version(embedder: Embedder) -> str:
    """What a stored packshot vector was made with: a change means embed it again."""
    colour = f"+{embedder.colour.tag}" if embedder.colour else ""
    return f"{embedder.version}+{VIEWS_VERSION}{colour}"
