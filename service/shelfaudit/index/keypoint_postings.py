"""Which index rows hold each keypoint key, and votes for the rows a new photo shares keys with.

The base is a CSR table over the ``2**24`` keys: ``offsets (2**24 + 1,)`` and ``rows (P,)
uint32`` (the rows of key ``k`` are ``rows[offsets[k]:offsets[k + 1]]``), ~4 bytes per
posting, so ~390 bytes per photo with 96 keys (3.9 GB at 10 M photos, plus 64-128 MB of
offsets). Rows added since the last fold (the tail) keep their key matrix and are scanned.
Folding inserts the tail's postings in one O(P) pass, like the hash index's tables.

Row numbers are the hash index's, so dead rows and ``before_id`` are filtered there.
Not thread-safe by itself: the hash index's owner holds the lock.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shelfaudit.index.keypoint_keys import KEYS_PER_PHOTO, N_KEYS, SENTINEL

# A key shared by more rows than this (a texture every shelf has) is skipped when voting:
# it costs time and says little.
DEFAULT_MAX_POSTING = 50_000


@dataclass(frozen=True)
class Votes:
    """Rows sharing keys with a query: ``rows (R,) int64``, ``votes (R,) int64``."""

    rows: NDArray[np.int64]
    votes: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.rows)


def build_csr(
    keys: NDArray[np.uint32], first_row: int = 0
) -> tuple[NDArray[np.int64], NDArray[np.uint32]]:
    """CSR ``(offsets, rows)`` of a ``(N, KEYS_PER_PHOTO)`` key matrix whose row ``i`` is
    index row ``first_row + i``."""
    owners = np.arange(first_row, first_row + len(keys), dtype=np.uint32)
    return _csr_of_sorted(*_sorted_postings(keys, owners))


def _sorted_postings(
    keys: NDArray[np.uint32], owners: NDArray[np.uint32]
) -> tuple[NDArray[np.uint32], NDArray[np.uint32]]:
    """The (key, row) postings of a key matrix whose row ``i`` is index row ``owners[i]``,
    padding left out, sorted by key (stable: rows ascending within a key)."""
    flat, owner = keys.ravel(), np.repeat(owners, keys.shape[1])
    valid = flat != SENTINEL
    flat, owner = flat[valid], owner[valid]
    order = np.argsort(flat, kind="stable")
    return flat[order], owner[order]


class KeypointPostings:
    """Postings of the base rows ``[0, n_base)`` and the key matrix of the tail rows."""

    def __init__(
        self,
        *,
        n_base: int = 0,
        offsets: NDArray[np.int64] | None = None,
        rows: NDArray[np.uint32] | None = None,
    ) -> None:
        """``offsets``/``rows`` (both or neither) index the first ``n_base`` rows; None
        when none of them has keys."""
        if (offsets is None) != (rows is None):
            raise ValueError("give both offsets and rows, or neither")
        if offsets is not None and offsets.shape != (N_KEYS + 1,):
            raise ValueError(f"offsets must have shape ({N_KEYS + 1},), got {offsets.shape}")
        self.n_base = n_base
        self._offsets = offsets
        self._rows = rows
        self._tail_keys: list[NDArray[np.uint32]] = []  # one (n, K) block per add
        self._tail_first: list[int] = []
        # The tail's postings sorted by key: (keys, rows), built on the first vote or fold.
        self._tail_cache: tuple[NDArray[np.uint32], NDArray[np.uint32]] | None = None

    @classmethod
    def of_matrix(cls, keys: NDArray[np.uint32] | None, n_rows: int) -> KeypointPostings:
        """Postings of rows ``[0, n_rows)`` from their key matrix (None: no keys)."""
        if keys is None or not (keys != SENTINEL).any():
            return cls(n_base=n_rows)
        offsets, rows = build_csr(keys[:n_rows])
        return cls(n_base=n_rows, offsets=offsets, rows=rows)

    @property
    def arrays(self) -> tuple[NDArray[np.int64], NDArray[np.uint32]] | None:
        """The base CSR (never modified in place: a fold makes new arrays)."""
        if self._offsets is None or self._rows is None:
            return None
        return self._offsets, self._rows

    def __len__(self) -> int:
        """Postings in the base and the tail."""
        base = 0 if self._rows is None else len(self._rows)
        return base + sum(int((k != SENTINEL).sum()) for k in self._tail_keys)

    def nbytes(self) -> int:
        base = (
            0
            if self._offsets is None or self._rows is None
            else (self._offsets.nbytes + self._rows.nbytes)
        )
        return base + sum(k.nbytes for k in self._tail_keys)

    # ------------------------------------------------------------------ updates

    def add(self, first_row: int, keys: NDArray[np.uint32]) -> None:
        """Keys of rows ``first_row, first_row + 1, ...`` (appended to the tail)."""
        if keys.ndim != 2 or keys.shape[1] != KEYS_PER_PHOTO:
            raise ValueError(f"keys must have shape (N, {KEYS_PER_PHOTO}), got {keys.shape}")
        if len(keys) and (keys != SENTINEL).any():
            self._tail_keys.append(np.ascontiguousarray(keys, np.uint32))
            self._tail_first.append(first_row)
            self._tail_cache = None

    def fold(self, n_rows: int) -> None:
        """Move the tail into the base; the base then covers rows ``[0, n_rows)``."""
        if self._tail_keys:
            flat, owner = self._tail()
            if self._offsets is None or self._rows is None:
                self._offsets, self._rows = _csr_of_sorted(flat, owner)
            else:
                # Each new posting goes at the end of its key's segment.
                at = self._offsets[flat.astype(np.int64) + 1]
                self._rows = np.insert(self._rows, at, owner)
                added = np.zeros(N_KEYS + 1, np.int64)
                np.cumsum(np.bincount(flat, minlength=N_KEYS), out=added[1:])
                self._offsets = self._offsets + added
        self._tail_keys.clear()
        self._tail_first.clear()
        self._tail_cache = None
        self.n_base = n_rows

    def _tail(self) -> tuple[NDArray[np.uint32], NDArray[np.uint32]]:
        """The tail's postings, sorted by key (stable: rows ascending within a key)."""
        if self._tail_cache is None:
            keys = np.concatenate(self._tail_keys)
            owners = np.concatenate(
                [
                    np.arange(first, first + len(block), dtype=np.uint32)
                    for first, block in zip(self._tail_first, self._tail_keys, strict=True)
                ]
            )
            self._tail_cache = _sorted_postings(keys, owners)
        return self._tail_cache

    # ------------------------------------------------------------------ search

    def vote(self, query: NDArray[np.uint32], *, max_posting: int = DEFAULT_MAX_POSTING) -> Votes:
        """Rows sharing keys with ``query`` (distinct keys) and how many each shares."""
        query = np.unique(query[query < N_KEYS]).astype(np.int64)
        parts: list[NDArray[np.int64]] = []
        if len(query) and self._offsets is not None and self._rows is not None:
            lo, hi = self._offsets[query], self._offsets[query + 1]
            parts.append(_segments(self._rows, lo, hi, max_posting))
        if len(query) and self._tail_keys:
            flat, owner = self._tail()
            lo = np.searchsorted(flat, query, side="left").astype(np.int64)
            hi = np.searchsorted(flat, query, side="right").astype(np.int64)
            parts.append(_segments(owner, lo, hi, max_posting))
        if not parts:
            return Votes(np.zeros(0, np.int64), np.zeros(0, np.int64))
        rows, votes = np.unique(np.concatenate(parts), return_counts=True)
        return Votes(rows.astype(np.int64), votes.astype(np.int64))


def _segments(
    rows: NDArray[np.uint32], lo: NDArray[np.int64], hi: NDArray[np.int64], max_posting: int
) -> NDArray[np.int64]:
    """``rows[lo[i]:hi[i]]`` for every non-empty segment no longer than ``max_posting``,
    concatenated (without a Python loop)."""
    keep = (hi > lo) & (hi - lo <= max_posting)
    lo, hi = lo[keep], hi[keep]
    if not len(lo):
        return np.zeros(0, np.int64)
    lengths = hi - lo
    starts = np.repeat(lo - np.cumsum(lengths) + lengths, lengths)
    positions = starts + np.arange(int(lengths.sum()), dtype=np.int64)
    return rows[positions].astype(np.int64)


def _csr_of_sorted(
    flat: NDArray[np.uint32], owner: NDArray[np.uint32]
) -> tuple[NDArray[np.int64], NDArray[np.uint32]]:
    """CSR of postings already sorted by key."""
    offsets = np.zeros(N_KEYS + 1, np.int64)
    np.cumsum(np.bincount(flat, minlength=N_KEYS), out=offsets[1:])
    return offsets, np.ascontiguousarray(owner, np.uint32)
