"""Which photos train and test the recapture classifier, and how they are varied.

* ``recapture/manifest.csv``: genuine, recapture and print photos of four people (the
  ``source`` column); the only set with positives.
* genuine shelf and outlet photos: ``sku110k_shelves/images`` and ``originals`` (one source,
  ``sku110k``) and ``heineken_displays/images`` (``heineken``). They teach the model what
  the service's honest photos look like (fridges with dark frames, dense shelves) and give
  the false-positive rate when held out.
* ``grocery_store/train`` photos serve only as content for synthetic recaptures.

Each photo of the four mixed sources also enters as ``variants`` copies that were resized
(0.55-1x) and recompressed (JPEG quality 50-95), so that neither resolution nor the
messenger's recompression can stand in for the label.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

MIXED_SOURCES = ("aakash", "devansh", "shrimanta", "yash")
GENUINE_SOURCES = ("sku110k", "heineken")
POSITIVE_LABELS = frozenset({"recapture", "print"})
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class Sample:
    path: Path
    label: str
    source: str
    medium: str = ""

    @property
    def positive(self) -> bool:
        return self.label in POSITIVE_LABELS


def manifest_samples(manifest: Path) -> list[Sample]:
    with manifest.open(newline="", encoding="utf-8") as handle:
        return [
            Sample(
                path=manifest.parent / row["path"],
                label=row["label"],
                source=row["source"],
                medium=row.get("medium", ""),
            )
            for row in csv.DictReader(handle)
        ]


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


def genuine_samples(datasets: Path) -> list[Sample]:
    shelves = datasets / "sku110k_shelves"
    paths = [
        *((p, "sku110k") for p in _images(shelves / "images")),
        *((p, "sku110k") for p in _images(shelves / "originals")),
        *((p, "heineken") for p in _images(datasets / "heineken_displays" / "images")),
    ]
    return [Sample(path=p, label="genuine", source=s, medium="camera") for p, s in paths]


def grocery_content(datasets: Path, count: int, rng: np.random.Generator) -> list[Path]:
    """``count`` GroceryStore training photos, as content for synthetic recaptures."""
    root = datasets / "grocery_store"
    listing = root / "train.txt"
    if count <= 0 or not listing.is_file():
        return []
    lines = [ln.split(",")[0].strip() for ln in listing.read_text().splitlines() if ln.strip()]
    picks = rng.choice(len(lines), size=min(count, len(lines)), replace=False)
    return [root / lines[i] for i in sorted(picks)]


def resized_recompressed(data: bytes, rng: np.random.Generator) -> bytes:
    """The photo upright, resized by 0.55-1x and saved as JPEG at quality 50-95."""
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    scale = rng.uniform(0.55, 1.0)
    size = (max(16, round(image.width * scale)), max(16, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=int(rng.integers(50, 96)))
    return buffer.getvalue()
