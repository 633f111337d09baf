"""Small builders for the analysis checks: packshot pictures and a fake SKU embedder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from shelfaudit.ml.cache import ModelCache
from shelfaudit.ml.registry import Registry
from shelfaudit.ml.sessions import SessionOptions
from tests.fake_models import fake_embedder, write_registry

SIDE = 40  # packshot side in analysis pixels


def packshot(seed: int, side: int = SIDE) -> NDArray[np.uint8]:
    """A 4 x 4 grid of random colours, ``side`` pixels square."""
    cells = np.random.default_rng(seed).integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
    return np.kron(cells, np.ones((side // 4, side // 4, 1), np.uint8))


def embedder_cache(root: Path, meta: dict[str, object] | None = None) -> ModelCache:
    """A model cache over ``root`` whose registry holds only the fake ``sku_embedder``."""
    fake_embedder(root / "embedder.onnx")
    write_registry(
        root,
        {
            "sku_embedder": {
                "file": "embedder.onnx",
                "meta": meta if meta is not None else {"input_size": 32, "dim": 16},
            }
        },
    )
    return ModelCache(Registry.load(root), SessionOptions())
