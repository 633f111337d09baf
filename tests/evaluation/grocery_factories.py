"""A tiny GroceryStore-format dataset, laid out as the shared set is, and a fake embedder.

Three classes: 0 and 1 share coarse class 0, class 2 is coarse class 1. Each packshot and
photo is one 4 x 4 colour layout (``PICTURE``), so the fake embedder puts a photo exactly on
the packshot it copies and far from the others; labels can then disagree with the picture
to make the expected scores known in advance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.embedder import Embedder
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from tests.factories import encode
from tests.fake_models import fake_embedder, write_registry

CLASSES = [  # name, fine id, coarse name, coarse id
    ("Red-Thing", 0, "Thing", 0),
    ("Blue-Thing", 1, "Thing", 0),
    ("Green-Other", 2, "Other", 1),
]
HEADER = (
    "Class Name (str),Class ID (int),Coarse Class Name (str),Coarse Class ID (int),"
    "Iconic Image Path (str),Product Description Path (str)"
)
# Test photos: (picture, label). Pictures 0-2 are the packshots of classes 0-2.
TEST = [(0, 0), (1, 1), (2, 1), (0, 1)]
# Training photos: with a ``train`` gallery, picture 2 labelled 1 is found as class 1.
TRAIN = [(0, 0), (1, 1), (2, 1)]


def picture(index: int, side: int) -> np.ndarray:
    cells = np.random.default_rng(100 + index).integers(0, 256, (4, 4, 3), dtype=np.uint8)
    return np.kron(cells, np.ones((side // 4, side // 4, 1), np.uint8))


def grocery_root(root: Path) -> Path:
    """``root`` holding classes.csv, iconic packshots, train/ and test/ photos and splits."""
    lines = [HEADER]
    for name, fine, coarse_name, coarse in CLASSES:
        folder = f"iconic-images-and-descriptions/Things/{name}"
        (root / folder).mkdir(parents=True)
        (root / folder / f"{name}_Iconic.jpg").write_bytes(encode(picture(fine, 200), "PNG"))
        lines.append(
            f"{name},{fine},{coarse_name},{coarse},/{folder}/{name}_Iconic.jpg,"
            f"/{folder}/{name}_Description.txt"
        )
    (root / "classes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for split, rows in (("test", TEST), ("train", TRAIN)):
        (root / split).mkdir()
        entries = []
        for i, (pic, label) in enumerate(rows):
            path = f"{split}/photo_{i:03d}.jpg"
            # Photos are larger than packshots, as the real ones are (348 px against 198).
            (root / path).write_bytes(encode(picture(pic, 348), "PNG"))
            entries.append(f"{path}, {label}, {CLASSES[label][3]}")
        (root / f"{split}.txt").write_text("\n".join(entries) + "\n", encoding="utf-8")
    return root


def embedder_models(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    fake_embedder(root / "embedder.onnx")
    write_registry(
        root, {"sku_embedder": {"file": "embedder.onnx", "meta": {"input_size": 32, "dim": 16}}}
    )
    return root


def load_embedder(models: Path) -> Embedder:
    cache = ModelCache(Registry.load(models), SessionOptions())
    return cache.get("sku_embedder", Embedder.from_session)
