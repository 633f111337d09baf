"""The transformed copies ``shelfaudit eval duplicates`` searches for, as reps make them.

Each transform takes a PIL image and a random generator and returns the copy and the JPEG
quality it is saved at; ``TRANSFORMS`` maps each name to the issue's recall target for it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image, ImageEnhance

COPY_QUALITY = 92  # JPEG quality of copies whose transform is not itself a re-encode

Rng = np.random.Generator
Transform = Callable[[Image.Image, Rng], tuple[Image.Image, int]]


# --------------------------------------------------------------------------- transforms


def _scaled(image: Image.Image, factor: float) -> Image.Image:
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)


def _jpeg(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    return image, int(rng.integers(30, 91))


def _resize(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    return _scaled(image, float(rng.uniform(0.4, 0.9))), int(rng.integers(70, 96))


def _colour(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    for kind in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
        image = kind(image).enhance(float(rng.uniform(0.85, 1.15)))
    return image, COPY_QUALITY


def _rotate_90(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    turn = Image.Transpose.ROTATE_90 if rng.random() < 0.5 else Image.Transpose.ROTATE_270
    return image.transpose(turn), COPY_QUALITY


def _flip(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), COPY_QUALITY


def _crop(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    """Remove 10-20 % of each dimension, split at random between the two borders."""
    w, h = image.size
    fx, fy = rng.uniform(0.10, 0.20, size=2)
    sx, sy = rng.uniform(0.0, 1.0, size=2)
    left, top = round(w * fx * sx), round(h * fy * sy)
    right, bottom = w - round(w * fx * (1 - sx)), h - round(h * fy * (1 - sy))
    return image.crop((left, top, right, bottom)), COPY_QUALITY


def straighten(image: Image.Image, angle: float) -> Image.Image:
    """Turned by ``angle`` degrees and cropped to the largest upright rectangle of the
    original aspect inside the turned frame, as phone editors straighten a photo."""
    rotated = image.rotate(angle, Image.Resampling.BICUBIC, expand=False)
    a = np.deg2rad(abs(angle))
    w, h = image.size
    scale = min(w, h) / (min(w, h) * np.cos(a) + max(w, h) * np.sin(a))
    cw, ch = round(w * scale), round(h * scale)
    left, top = (w - cw) // 2, (h - ch) // 2
    return rotated.crop((left, top, left + cw, top + ch))


def _rotate_small(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    """Straightened by 1-5 degrees either way."""
    angle = float(rng.uniform(1.0, 5.0)) * (1 if rng.random() < 0.5 else -1)
    return straighten(image, angle), COPY_QUALITY


def _screenshot(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    """The photo shown full-width on a phone screen (9:19.5), black or white around it,
    with a status bar, saved as the screenshot's JPEG."""
    width = image.width
    height = round(width * 19.5 / 9) if image.height < width * 19.5 / 9 else image.height
    dark = rng.random() < 0.5
    canvas = Image.new("RGB", (width, height), (0, 0, 0) if dark else (255, 255, 255))
    top = (height - image.height) // 2 + int(rng.integers(-height // 20, height // 20 + 1))
    canvas.paste(image, (0, max(0, min(top, height - image.height))))
    bar = np.asarray(canvas).copy()
    ink = 200 if dark else 40
    for x in range(width // 20, width // 5, max(1, width // 60)):  # clock-like glyphs
        bar[height // 80 : height // 40, x : x + max(1, width // 120)] = ink
    return Image.fromarray(bar), int(rng.integers(80, 96))


def _flip_crop(image: Image.Image, rng: Rng) -> tuple[Image.Image, int]:
    """Mirrored, then cropped as ``crop_10_20``: two taps in a phone's gallery editor."""
    return _crop(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT), rng)


# name -> (target recall, transform)
TRANSFORMS: dict[str, tuple[float, Transform]] = {
    "recompress": (0.99, _jpeg),
    "resize": (0.99, _resize),
    "colour": (0.99, _colour),
    "rotate_90": (0.99, _rotate_90),
    "flip": (0.99, _flip),
    "crop_10_20": (0.95, _crop),
    "rotate_small": (0.95, _rotate_small),
    "screenshot": (0.95, _screenshot),
    "flip_crop": (0.95, _flip_crop),  # not in the list: the crop's target
}
