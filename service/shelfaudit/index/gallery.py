"""The SKU gallery: packshot embeddings in memory, searched by cosine similarity.

Each SKU owns one or more unit vectors (one per packshot). A query's score for a SKU is its
best similarity over that SKU's packshots; a facing whose best SKU scores below
``min_similarity`` stays unknown instead of being forced onto the nearest product.
A ``Gallery`` is immutable: adding a packshot builds a new one (cheap at 10k SKUs), so a
search never sees a half-updated matrix.

Vectors may carry more than an embedding (colours appended, ``ml/colour.py``). A gallery
built with ``shortlist_dims`` then shortlists each query's ``SHORTLIST`` nearest vectors by
their first ``shortlist_dims`` numbers (the embedding: a third of the work at 128 of 384) and
ranks only those by the whole vector. A packshot whose embedding is not among the 64 nearest
of a query cannot win on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

SMALL_QUERY = 4  # up to this many query vectors are scored without BLAS
SHORTLIST = 64  # vectors per query ranked by the whole vector when shortlisting


@dataclass(frozen=True)
class SkuInfo:
    sku_id: str
    name: str | None = None
    brand: str | None = None


@dataclass(frozen=True)
class Hit:
    sku: SkuInfo
    similarity: float


@dataclass(frozen=True)
class Recognition:
    """Best SKU (``None`` when below the threshold), its similarity (``None`` when the
    gallery is empty: nothing was compared), and the runners-up."""

    best: Hit | None
    similarity: float | None
    alternatives: tuple[Hit, ...]


@dataclass(frozen=True)
class Gallery:
    """``vectors[i]`` (unit length) is a packshot of ``skus[owner[i]]``."""

    dim: int
    vectors: NDArray[np.float32] = field(repr=False)
    owner: NDArray[np.int64] = field(repr=False)
    skus: tuple[SkuInfo, ...] = ()
    revision: str = ""
    # The first columns of ``vectors``, contiguous, when searches shortlist by them.
    lead: NDArray[np.float32] | None = field(default=None, repr=False)

    @classmethod
    def empty(cls, dim: int, revision: str = "") -> Gallery:
        return cls(dim, np.zeros((0, dim), np.float32), np.zeros(0, np.int64), (), revision)

    @classmethod
    def build(
        cls,
        dim: int,
        entries: Sequence[tuple[SkuInfo, NDArray[np.float32]]],
        revision: str = "",
        shortlist_dims: int = 0,
    ) -> Gallery:
        """From (sku, vector) pairs; several vectors of one SKU id share its ``SkuInfo``.
        ``shortlist_dims`` (0 < it < dim): searches shortlist by that many leading numbers."""
        if shortlist_dims < 0 or shortlist_dims >= max(dim, 1):
            shortlist_dims = 0
        index: dict[str, int] = {}
        skus: list[SkuInfo] = []
        owner: list[int] = []
        vectors: list[NDArray[np.float32]] = []
        for sku, vector in entries:
            vec = np.asarray(vector, np.float32).reshape(-1)
            if vec.shape[0] != dim:
                raise ValueError(
                    f"SKU {sku.sku_id}: vector has {vec.shape[0]} dims, expected {dim}"
                )
            if sku.sku_id not in index:
                index[sku.sku_id] = len(skus)
                skus.append(sku)
            owner.append(index[sku.sku_id])
            vectors.append(vec / max(float(np.linalg.norm(vec)), 1e-12))
        if not vectors:
            return cls.empty(dim, revision)
        matrix = np.stack(vectors)
        lead = np.ascontiguousarray(matrix[:, :shortlist_dims]) if shortlist_dims else None
        return cls(dim, matrix, np.asarray(owner, np.int64), tuple(skus), revision, lead)

    @property
    def n_skus(self) -> int:
        return len(self.skus)

    @property
    def n_vectors(self) -> int:
        return int(self.vectors.shape[0])

    def search(
        self, queries: NDArray[np.float32], *, min_similarity: float, k: int = 5
    ) -> list[Recognition]:
        """One ``Recognition`` per query row, alternatives up to ``k - 1`` other SKUs."""
        queries = np.asarray(queries, np.float32).reshape(-1, self.dim)
        if self.n_vectors == 0:
            return [Recognition(None, None, ()) for _ in range(len(queries))]
        # A SKU may own many vectors (packshots, field examples): look a little deeper than
        # k, and deeper again for the queries whose nearest vectors hold fewer than k SKUs.
        want = min(k, self.n_skus)
        found: list[list[Hit]] = [[] for _ in range(len(queries))]
        todo = np.arange(len(queries))
        depth = min(self.n_vectors, max(k * 4, k))
        while True:
            top, sims = self._nearest(queries[todo], depth)
            short = []
            for q, candidates, row in zip(todo, top, sims, strict=True):
                found[q] = self._distinct(candidates, row, k)
                if len(found[q]) < want:
                    short.append(q)
            if not short or depth >= self.n_vectors:
                break
            todo, depth = np.asarray(short), min(self.n_vectors, depth * 4)
        return [self._recognition(hits, min_similarity) for hits in found]

    def _distinct(
        self, candidates: NDArray[np.int64], similarities: NDArray[np.float32], k: int
    ) -> list[Hit]:
        """The best-scoring vector of each of up to ``k`` SKUs, best first."""
        order = np.argsort(-similarities, kind="stable")
        hits: list[Hit] = []
        seen: set[int] = set()
        for i, similarity in zip(candidates[order], similarities[order], strict=True):
            sku = int(self.owner[i])
            if sku in seen:
                continue
            seen.add(sku)
            hits.append(Hit(self.skus[sku], float(similarity)))
            if len(hits) == k:
                break
        return hits

    @staticmethod
    def _recognition(hits: list[Hit], min_similarity: float) -> Recognition:
        best = hits[0] if hits and hits[0].similarity >= min_similarity else None
        return Recognition(
            best=best,
            similarity=hits[0].similarity if hits else None,
            alternatives=tuple(hits[1:] if best is not None else hits),
        )

    def _nearest(
        self, queries: NDArray[np.float32], depth: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """(Q, depth) indices of each query's nearest vectors, in no order, and their
        similarities."""
        if self.lead is None:
            sims = _dot(queries, self.vectors)
            top = np.argpartition(-sims, depth - 1, axis=1)[:, :depth]
            return top, np.take_along_axis(sims, top, axis=1)
        wide = min(self.n_vectors, max(SHORTLIST, depth))
        lead = _dot(np.ascontiguousarray(queries[:, : self.lead.shape[1]]), self.lead)
        shortlist = np.argpartition(-lead, wide - 1, axis=1)[:, :wide]
        sims = np.einsum("qd,qsd->qs", queries, self.vectors[shortlist])
        keep = np.argpartition(-sims, depth - 1, axis=1)[:, :depth]
        return np.take_along_axis(shortlist, keep, axis=1), np.take_along_axis(sims, keep, axis=1)


def _dot(queries: NDArray[np.float32], vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """(Q, N) dot products of unit query rows with unit gallery rows."""
    if len(queries) <= SMALL_QUERY:
        # Multi-threaded BLAS on one query vector costs 3-15 ms on a busy 2-core worker
        # (threads wake and wait for cores); einsum's single-threaded loop takes ~0.6 ms
        # for 20k vectors (benchmarks/bench_sku.py).
        return np.asarray(np.einsum("ij,kj->ik", queries, vectors), np.float32)
    return np.asarray(queries @ vectors.T, np.float32)
