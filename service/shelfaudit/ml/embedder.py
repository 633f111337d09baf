"""Image embeddings for SKU recognition: crops in, unit vectors out, onnxruntime only.

The model (``sku_embedder`` in the registry) takes ``images`` float32 (N, 3, S, S), RGB in
0-1, each crop letterboxed to S x S with grey padding (``to_input``), and returns
``embeddings`` (N, D) already L2-normalised, so cosine similarity is a dot product.
Training (``training/sku``) uses this same ``to_input``, so serving sees what training saw.

What is searched (a product crop, a close-up photo) goes through ``embed_queries``. For a
model whose registry meta says ``"query_views": "mirror"`` each crop is embedded with its
mirror image and the two averaged: for ``sku_embedder`` v1 that raised val top-1 against the
packshots from 0.324 to 0.368 (mirroring the packshots as well lowered it), so it is a
property of the model, measured when it is published. Packshots keep ``embed`` through their
own views (``ml/packshot.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from shelfaudit.ml.boxes import letterbox
from shelfaudit.ml.registry import ModelEntry

INPUT = "images"
OUTPUT = "embeddings"
BATCH = 64  # crops per onnxruntime call; bounds memory on photos with hundreds of facings


def to_input(rgb: NDArray[np.uint8], size: int) -> NDArray[np.float32]:
    """One crop (H, W, 3) uint8 RGB -> (3, size, size) float32 in 0-1, letterboxed."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise ValueError(f"expected an (H, W, 3) RGB crop, got shape {rgb.shape}")
    boxed, _ = letterbox(np.ascontiguousarray(rgb), size)
    return np.ascontiguousarray(boxed.transpose(2, 0, 1), dtype=np.float32) / np.float32(255)


@dataclass(frozen=True)
class Embedder:
    """A loaded embedding model: ``embed`` maps crops to unit vectors."""

    session: ort.InferenceSession
    size: int
    dim: int
    version: str
    mirror_queries: bool = False  # embed_queries averages each crop with its mirror image

    @classmethod
    def from_session(cls, entry: ModelEntry, session: ort.InferenceSession) -> Embedder:
        shape = session.get_inputs()[0].shape
        size = int(entry.meta.get("input_size") or shape[-1])
        dim = int(entry.meta.get("dim") or session.get_outputs()[0].shape[-1])
        mirror = entry.meta.get("query_views") == "mirror"
        return cls(
            session=session, size=size, dim=dim, version=entry.version, mirror_queries=mirror
        )

    def embed(self, crops: Sequence[NDArray[np.uint8]]) -> NDArray[np.float32]:
        """(N, dim) unit vectors, one per crop; (0, dim) for no crops."""
        if not crops:
            return np.zeros((0, self.dim), np.float32)
        out = []
        for start in range(0, len(crops), BATCH):
            batch = np.stack([to_input(c, self.size) for c in crops[start : start + BATCH]])
            (vectors,) = self.session.run([OUTPUT], {INPUT: batch})
            out.append(np.asarray(vectors, np.float32))
        vectors = np.concatenate(out)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.asarray(vectors / np.maximum(norms, 1e-12), np.float32)

    def embed_queries(self, crops: Sequence[NDArray[np.uint8]]) -> NDArray[np.float32]:
        """(N, dim) unit vectors for crops to recognise; with ``mirror_queries`` each crop's
        embedding is averaged with its mirror image's."""
        n = len(crops)
        if n == 0 or not self.mirror_queries:
            return self.embed(crops)
        both = self.embed([*crops, *(np.ascontiguousarray(c[:, ::-1]) for c in crops)])
        mean = both[:n] + both[n:]
        norms = np.linalg.norm(mean, axis=1, keepdims=True)
        return np.asarray(mean / np.maximum(norms, 1e-12), np.float32)
