"""Hash rows and queries for index tests."""

from __future__ import annotations

import numpy as np

from shelfaudit.index.hash_index import HashRows, Query


def random_rows(n: int, *, seed: int = 0, first_id: int = 1) -> HashRows:
    rng = np.random.default_rng(seed)
    return HashRows(
        ids=np.arange(first_id, first_id + n, dtype=np.int64),
        pdq=rng.integers(0, 2**64, size=(n, 4), dtype=np.uint64, endpoint=False),
        phash=rng.integers(0, 2**64, size=n, dtype=np.uint64, endpoint=False),
        dhash=rng.integers(0, 2**64, size=n, dtype=np.uint64, endpoint=False),
    )


def flipped(code: np.ndarray, bits: int, *, seed: int = 0) -> np.ndarray:
    """``code`` (4 uint64 words) with ``bits`` distinct bits flipped."""
    out = code.copy()
    for bit in np.random.default_rng(seed).choice(256, size=bits, replace=False):
        out[bit // 64] ^= np.uint64(1) << np.uint64(63 - bit % 64)
    return out


def query_for(code: np.ndarray, *, variant: int = 0, seed: int = 1) -> Query:
    """Eight random variants with ``code`` in position ``variant``."""
    rng = np.random.default_rng([seed, 99])  # a stream apart from random_rows'

    pdq = rng.integers(0, 2**64, size=(8, 4), dtype=np.uint64, endpoint=False)
    pdq[variant] = code
    return Query(
        pdq=pdq,
        phash=np.zeros(8, np.uint64),
        dhash=np.zeros(8, np.uint64),
    )
