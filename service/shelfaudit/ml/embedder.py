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

A whole photo recognised as one product (a close-up: ``embed_close_ups``) is also embedded
zoomed on its centre, where a rep frames the product, when the meta lists
``"close_up_zooms"`` (shares of each side kept, e.g. ``[0.8, 0.65]``): the views are averaged
like the mirror views. For ``sku_embedder`` v2 that raised GroceryStore val top-1 against the
packshots from 0.422 to 0.490 (v3 with them: 0.524, v4: 0.605, v5: 0.625). A detector's
product box is already tight, so crops do not zoom.

With ``"colour"`` in the meta, what is searched carries the product's colours after its
embedding (``ml/colour.py``; v5: 0.625 -> 0.662): ``vector_dim`` numbers instead of ``dim``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from shelfaudit.ml.boxes import centre_crop, letterbox
from shelfaudit.ml.colour import ColourSignature
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
    close_up_zooms: tuple[float, ...] = ()  # centre crops embed_close_ups adds, share of a side
    colour: ColourSignature | None = None  # appended to what is searched (ml/colour.py)

    @classmethod
    def from_session(cls, entry: ModelEntry, session: ort.InferenceSession) -> Embedder:
        shape = session.get_inputs()[0].shape
        size = int(entry.meta.get("input_size") or shape[-1])
        dim = int(entry.meta.get("dim") or session.get_outputs()[0].shape[-1])
        mirror = entry.meta.get("query_views") == "mirror"
        zooms = tuple(float(z) for z in entry.meta.get("close_up_zooms") or ())
        if any(not 0 < z < 1 for z in zooms):
            raise ValueError(f"{entry.name}: close_up_zooms must lie in (0, 1), got {zooms}")
        colour = entry.meta.get("colour")
        return cls(
            session=session,
            size=size,
            dim=dim,
            version=entry.version,
            mirror_queries=mirror,
            close_up_zooms=zooms,
            colour=ColourSignature.from_meta(colour) if colour else None,
        )

    @property
    def vector_dim(self) -> int:
        """Length of the vectors searched (``embed_queries``, ``embed_close_ups``, packshots):
        the embedding's ``dim`` plus the colour histogram's when there is one."""
        return self.dim + (self.colour.dim if self.colour else 0)

    @property
    def shortlist_dims(self) -> int:
        """Leading numbers of a searched vector a gallery shortlists by (the embedding),
        0 when the vector is the embedding alone (``index.gallery.Gallery.build``)."""
        return self.dim if self.colour else 0

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
        """(N, vector_dim) unit vectors for crops to recognise; with ``mirror_queries`` each
        crop's embedding is averaged with its mirror image's; with ``colour`` the colours of
        each crop's centre are appended."""
        vectors = self._query_embeddings(crops)
        if self.colour is None:
            return vectors
        return self.colour.append(vectors, self.colour.of_centres(crops, self.colour.crop_centre))

    def embed_close_ups(self, photos: Sequence[NDArray[np.uint8]]) -> NDArray[np.float32]:
        """(N, vector_dim) unit vectors for whole photos of one product: the embedding of
        the photo and of its centre at each of ``close_up_zooms`` (each with its mirror
        image when ``mirror_queries``), averaged; with ``colour`` the colours of the photo's
        centre are appended."""
        if self.close_up_zooms:
            groups = []
            for photo in photos:
                views = [photo, *(centre_crop(photo, z) for z in self.close_up_zooms)]
                if self.mirror_queries:
                    views += [np.ascontiguousarray(v[:, ::-1]) for v in views]
                groups.append(views)
            vectors = self._mean_of_views(groups)
        else:
            vectors = self._query_embeddings(photos)
        if self.colour is None:
            return vectors
        return self.colour.append(
            vectors, self.colour.of_centres(photos, self.colour.close_up_centre)
        )

    def _query_embeddings(self, crops: Sequence[NDArray[np.uint8]]) -> NDArray[np.float32]:
        if not self.mirror_queries:
            return self.embed(crops)
        return self._mean_of_views([[c, np.ascontiguousarray(c[:, ::-1])] for c in crops])

    def _mean_of_views(self, groups: Sequence[Sequence[NDArray[np.uint8]]]) -> NDArray[np.float32]:
        """One unit vector per group: the normalised mean of its views' embeddings."""
        if not groups:
            return np.zeros((0, self.dim), np.float32)
        per = len(groups[0])
        if any(len(g) != per for g in groups):
            raise ValueError("every crop needs the same number of views")
        flat = self.embed([v for g in groups for v in g]).reshape(len(groups), per, self.dim)
        mean = flat.sum(axis=1)
        norms = np.linalg.norm(mean, axis=1, keepdims=True)
        return np.asarray(mean / np.maximum(norms, 1e-12), np.float32)
