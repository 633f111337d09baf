"""Hash rows and queries for index tests, and the hashes of a real photo."""

from __future__ import annotations

from functools import cache

import numpy as np
from PIL import Image

from shelfaudit.analyse import hashes
from shelfaudit.analyse.decode import decode
from shelfaudit.analyse.duplicates import hex_to_u64, pdq_words
from shelfaudit.domain.checks import HashResult
from shelfaudit.index.hash_index import HashIndex, HashRows, Query
from shelfaudit.index.search import query_of
from tests.factories import real_photos


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


def hash_of(data: bytes) -> HashResult:
    return hashes.compute(decode(data, target_long_side=1024, max_pixels=10**8).rgb)


@cache
def source() -> tuple[Image.Image, HashResult]:
    path = real_photos()[3]
    return Image.open(path).convert("RGB"), hash_of(path.read_bytes())


def index_of(*results: HashResult) -> HashIndex:
    """An index holding each result's plain hashes, photo ids from 1."""
    index = HashIndex(radius=31)
    for photo_id, result in enumerate(results, start=1):
        q = query_of(result)
        index.add(type(index.rows())(np.array([photo_id]), q.pdq[:1], q.phash[:1], q.dhash[:1]))
    return index


def inside_index_of(*results: HashResult) -> HashIndex:
    """An index of what lies inside each result's flat bars (results without bars are
    left out), photo ids from 1: the catalogue's second index."""
    index = HashIndex(radius=31)
    for photo_id, result in enumerate(results, start=1):
        inside = hashes.inside_hashes(result)
        if inside is not None:
            phash, dhash, pdq = inside
            index.add(
                HashRows(
                    ids=np.array([photo_id], np.int64),
                    pdq=pdq_words(pdq)[None],
                    phash=np.array([hex_to_u64(phash)], np.uint64),
                    dhash=np.array([hex_to_u64(dhash)], np.uint64),
                )
            )
    return index
