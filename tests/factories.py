"""Small factories for tests: images made on the fly and real photos from ../shared."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SHELFAUDIT_SHARED_DIR", REPO.parent / "shared"))
DATASETS = SHARED / "datasets"
ORIGINALS = DATASETS / "sku110k_shelves" / "originals"


def real_photos() -> list[Path]:
    """The full-resolution phone photos with untouched EXIF (up to 12 MP)."""
    return sorted(ORIGINALS.glob("*.jpg"))


def shelf_photos(n: int = 10) -> list[Path]:
    return sorted((DATASETS / "sku110k_shelves" / "images").glob("*.jpg"))[:n]


def textured_rgb(width: int, height: int, seed: int = 0) -> np.ndarray:
    """A random but structured picture (blocks and gradients), not flat noise."""
    rng = np.random.default_rng(seed)
    small = rng.integers(
        0, 256, size=(max(2, height // 40), max(2, width // 40), 3), dtype=np.uint8
    )
    image = Image.fromarray(small).resize((width, height), Image.Resampling.NEAREST)
    array = np.asarray(image, dtype=np.float32)
    gradient = np.linspace(0, 40, width, dtype=np.float32)[None, :, None]
    return np.clip(array * 0.8 + gradient, 0, 255).astype(np.uint8)


def encode(rgb: np.ndarray, fmt: str = "JPEG", **params: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg_bytes(width: int = 1600, height: int = 1200, seed: int = 0, quality: int = 90) -> bytes:
    return encode(textured_rgb(width, height, seed), "JPEG", quality=quality)


def reencoded_resized(data: bytes, *, scale: float = 0.9, quality: int = 70) -> bytes:
    """The classic resubmission: the same photo resized a little and recompressed."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    size = (round(image.width * scale), round(image.height * scale))
    buffer = io.BytesIO()
    image.resize(size, Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def jpeg_with_exif(**tags: object) -> bytes:
    """A small JPEG with the given EXIF tags (by name; GPS* and the original time go to
    their own IFDs)."""
    image = Image.fromarray(textured_rgb(320, 240))
    data = Image.Exif()
    gps: dict[int, object] = {}
    ifd: dict[int, object] = {}
    for name, value in tags.items():
        if name.startswith("GPS"):
            gps[ExifTags.GPS[name]] = value
        elif name in ("DateTimeOriginal", "OffsetTimeOriginal"):
            ifd[ExifTags.Base[name]] = value
        else:
            data[ExifTags.Base[name]] = value
    if gps:
        data[ExifTags.IFD.GPSInfo] = gps
    if ifd:
        data[ExifTags.IFD.Exif] = ifd
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=data.tobytes())
    return buffer.getvalue()
