"""Exact and near-duplicate matching against earlier photos by exhaustive Hamming search.

The caller hands in every earlier photo's hashes as arrays. The service searches with the
scalable index in ``shelfaudit.index`` instead (same thresholds, plus rotations, mirrors
and local features); this scan stays as the reference for small tables and tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shelfaudit.domain.checks import HashResult

VERSION = "duplicates-5"  # 4: the inside-bars index; 5: mirrored keypoints, turned copies


@dataclass(frozen=True)
class HashTable:
    """Hashes of N earlier photos as parallel arrays.

    ``ids (N,) int64``, ``sha256 (N,) object``, ``phash (N,) uint64``, ``dhash (N,) uint64``,
    ``pdq (N, 4) uint64`` (256 bits, most significant word first).
    """

    ids: NDArray[np.int64]
    sha256: NDArray[np.object_]
    phash: NDArray[np.uint64]
    dhash: NDArray[np.uint64]
    pdq: NDArray[np.uint64]

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("sha256", "phash", "dhash"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} rows, ids has {n}")
        if self.pdq.shape != (n, 4):
            raise ValueError(f"pdq must have shape ({n}, 4), got {self.pdq.shape}")

    @classmethod
    def empty(cls) -> HashTable:
        return cls(
            ids=np.zeros(0, np.int64),
            sha256=np.zeros(0, object),
            phash=np.zeros(0, np.uint64),
            dhash=np.zeros(0, np.uint64),
            pdq=np.zeros((0, 4), np.uint64),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def concat(self, other: HashTable) -> HashTable:
        if len(other) == 0:
            return self
        return HashTable(
            ids=np.concatenate([self.ids, other.ids]),
            sha256=np.concatenate([self.sha256, other.sha256]),
            phash=np.concatenate([self.phash, other.phash]),
            dhash=np.concatenate([self.dhash, other.dhash]),
            pdq=np.concatenate([self.pdq, other.pdq]),
        )

    def before(self, photo_id: int) -> HashTable:
        """The rows with id < ``photo_id`` (ids are sorted ascending)."""
        end = int(np.searchsorted(self.ids, photo_id, side="left"))
        if end == len(self.ids):
            return self
        return HashTable(
            ids=self.ids[:end],
            sha256=self.sha256[:end],
            phash=self.phash[:end],
            dhash=self.dhash[:end],
            pdq=self.pdq[:end],
        )


@dataclass(frozen=True)
class Thresholds:
    pdq: int
    phash: int
    dhash: int


@dataclass(frozen=True)
class Hit:
    photo_id: int
    exact: bool
    pdq_distance: int
    phash_distance: int
    dhash_distance: int


def hex_to_u64(text: str) -> int:
    return int(text, 16)


def pdq_words(text: str) -> NDArray[np.uint64]:
    """256-bit hex -> 4 uint64 words."""
    return np.frombuffer(bytes.fromhex(text), dtype=">u8").astype(np.uint64)


def popcount(x: NDArray[np.uint64]) -> NDArray[np.int64]:
    return np.bitwise_count(x).astype(np.int64)


def find_matches(
    query: HashResult, sha256: str, table: HashTable, thresholds: Thresholds
) -> list[Hit]:
    """Earlier photos that are byte-identical or perceptually near, nearest first.

    A photo is near when PDQ is within its threshold, or when pHash and dHash both are
    (the 64-bit pair catches copies PDQ misses on flat, low-quality images).
    """
    if len(table) == 0:
        return []
    d_pdq = popcount(table.pdq ^ pdq_words(query.pdq)).sum(axis=1)
    d_phash = popcount(table.phash ^ np.uint64(hex_to_u64(query.phash)))
    d_dhash = popcount(table.dhash ^ np.uint64(hex_to_u64(query.dhash)))
    exact = table.sha256 == sha256
    near = (d_pdq <= thresholds.pdq) | (
        (d_phash <= thresholds.phash) & (d_dhash <= thresholds.dhash)
    )
    idx = np.flatnonzero(exact | near)
    order = idx[np.lexsort((d_phash[idx], d_pdq[idx], ~exact[idx]))]
    return [
        Hit(
            photo_id=int(table.ids[i]),
            exact=bool(exact[i]),
            pdq_distance=int(d_pdq[i]),
            phash_distance=int(d_phash[i]),
            dhash_distance=int(d_dhash[i]),
        )
        for i in order
    ]
