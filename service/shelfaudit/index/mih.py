"""Multi-index hashing (Norouzi, Punjani & Fleet, 2012) over 256-bit codes.

A code is cut into ``m`` chunks. Two codes at Hamming distance ``r`` differ in at most
``f`` bits on at least one chunk whenever ``m * (f + 1) > r`` (pigeonhole), so probing, for
every chunk, each key within ``f`` flips of the query's own finds every code within ``r``
exactly. Each chunk has a CSR table (``order``: row numbers sorted by key, ``offsets``:
where each key's rows start), so a probe is one array read, not a tree walk.

Codes are ``(N, 4) uint64`` words, most significant first (``duplicates.pdq_words``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

CODE_WORDS = 4  # 256 bits

Codes = NDArray[np.uint64]  # (N, 4)
Rows = NDArray[np.int64]


@dataclass(frozen=True)
class Layout:
    """How a 256-bit code is cut: chunk ``j`` is bits ``[starts[j], starts[j] + widths[j])``,
    counted from the most significant bit. Bits left over are simply not indexed (the
    pigeonhole argument holds over the indexed bits alone)."""

    name: str
    widths: tuple[int, ...]

    @property
    def m(self) -> int:
        return len(self.widths)

    @property
    def starts(self) -> tuple[int, ...]:
        return tuple(int(x) for x in np.cumsum((0, *self.widths[:-1])))

    def guaranteed_radius(self, flips: int) -> int:
        """The largest distance that ``flips`` per chunk is sure to find."""
        return self.m * (flips + 1) - 1

    def flips_for(self, radius: int) -> int:
        """The fewest flips per chunk that find every code within ``radius``."""
        return max(0, -(-(radius + 1) // self.m) - 1)

    def variant_flips(self, radius: int) -> tuple[int, int]:
        """Flips for the upright query and for its seven rotations and flips.

        With 21-23-bit chunks, two flips cost ~10x one; a rotated or mirrored copy is rarer
        than an upright one and its hash, computed on the exactly undone image, is as close
        as an upright copy's, so those variants get one flip less (exact to ~21 bits and
        most copies beyond: see ``benchmarks/bench_dedup_index.py``).
        """
        flips = self.flips_for(radius)
        return (flips, flips) if self.m >= 16 else (flips, max(0, flips - 1))

    def table_sizes(self) -> list[int]:
        return [1 << bits for bits in self.widths]


# Offsets cost 4 bytes per possible key: 16-bit chunks 4 MB in all (buckets of N/65536
# rows), 21/22-bit chunks 128 MB, 23-bit chunks 352 MB (~1.2 rows per bucket at 10 M).
LAYOUTS = {
    "16x16": Layout("16x16", (16,) * 16),
    "12x21": Layout("12x21", (22, 21, 21) * 4),
    "11x23": Layout("11x23", (23,) * 11),
}

# Where longer chunks (more probes, emptier buckets) get cheaper than shorter ones.
LAYOUT_FROM_ROWS = ((3_000_000, "11x23"), (150_000, "12x21"), (0, "16x16"))


def choose_layout(rows: int) -> Layout:
    return next(LAYOUTS[name] for least, name in LAYOUT_FROM_ROWS if rows >= least)


def chunk_keys(codes: Codes, layout: Layout) -> NDArray[np.uint32]:
    """``(N, m)`` chunk keys of ``(N, 4)`` codes (chunks may straddle two words)."""
    keys = np.empty((len(codes), layout.m), np.uint32)
    for j, (start, bits) in enumerate(zip(layout.starts, layout.widths, strict=True)):
        word, offset = divmod(start, 64)
        mask = np.uint64((1 << bits) - 1)
        if offset + bits <= 64:
            keys[:, j] = (codes[:, word] >> np.uint64(64 - offset - bits)) & mask
        else:
            low_bits = offset + bits - 64
            high = (codes[:, word] << np.uint64(low_bits)) & mask
            keys[:, j] = high | (codes[:, word + 1] >> np.uint64(64 - low_bits))
    return keys


@cache
def flip_masks(bits: int, flips: int) -> NDArray[np.uint32]:
    """Every ``bits``-bit mask with at most ``flips`` bits set, fewest first."""
    masks = [0]
    for k in range(1, flips + 1):
        masks.extend(sum(1 << b for b in combo) for combo in combinations(range(bits), k))
    out = np.asarray(masks, dtype=np.uint32)
    out.setflags(write=False)
    return out


def _index_dtype(n: int) -> type[np.int32] | type[np.int64]:
    return np.int32 if n < 2**31 - 1 else np.int64


def _sort_rows(keys: NDArray[np.uint32]) -> NDArray[np.int64]:
    return np.argsort(keys, kind="stable")


@dataclass(frozen=True)
class MultiIndexHash:
    """Immutable chunk tables over rows ``0..n-1`` of a code array.

    ``order (m * n,)``: table ``j`` occupies ``order[j*n:(j+1)*n]``, row numbers sorted by
    chunk key; ``offsets``: per table ``2**bits + 1`` positions (relative to the table),
    tables back to back, starting at ``table_starts[j]``.
    """

    layout: Layout
    n: int
    order: NDArray[np.signedinteger]
    offsets: NDArray[np.signedinteger]

    @property
    def table_starts(self) -> NDArray[np.int64]:
        sizes = np.asarray([s + 1 for s in self.layout.table_sizes()], np.int64)
        return np.concatenate([[0], np.cumsum(sizes)[:-1]])

    @classmethod
    def empty(cls, layout: Layout) -> MultiIndexHash:
        total = sum(s + 1 for s in layout.table_sizes())
        return cls(layout, 0, np.zeros(0, np.int32), np.zeros(total, np.int32))

    @classmethod
    def build(cls, codes: Codes, layout: Layout) -> MultiIndexHash:
        """Tables over every row of ``codes``: O(m N log N), ~1 s per table at 10 M rows."""
        n = len(codes)
        dtype = _index_dtype(n * layout.m)
        order = np.empty(n * layout.m, dtype)
        offsets = []
        keys = chunk_keys(codes, layout)
        for j, size in enumerate(layout.table_sizes()):
            order[j * n : (j + 1) * n] = _sort_rows(keys[:, j])
            table = np.zeros(size + 1, dtype)
            np.cumsum(np.bincount(keys[:, j], minlength=size), out=table[1:])
            offsets.append(table)
        return cls(layout, n, order, np.concatenate(offsets) if offsets else np.zeros(0, dtype))

    def extend(self, codes: Codes) -> MultiIndexHash:
        """Tables over ``codes`` whose first ``self.n`` rows are already indexed.

        The new rows go at the end of their buckets (row order is kept), so this is one
        O(N) copy per table instead of a sort of everything.
        """
        n_new = len(codes)
        added = n_new - self.n
        if added <= 0:
            return self
        dtype = _index_dtype(n_new * self.layout.m)
        keys = chunk_keys(codes[self.n :], self.layout)
        rows = np.arange(self.n, n_new, dtype=np.int64)
        order = np.empty(n_new * self.layout.m, dtype)
        offsets = np.empty(len(self.offsets), dtype)
        for j, (size, start) in enumerate(
            zip(self.layout.table_sizes(), self.table_starts, strict=True)
        ):
            old_offsets = self.offsets[start : start + size + 1]
            sort = _sort_rows(keys[:, j])
            key_sorted = keys[sort, j].astype(np.int64)
            at = old_offsets[key_sorted + 1].astype(np.int64)
            old_order = self.order[j * self.n : (j + 1) * self.n]
            order[j * n_new : (j + 1) * n_new] = np.insert(old_order, at, rows[sort])
            # Offsets move by the number of new keys below each key: a step function with
            # one step per new key, added in one pass instead of a cumsum over 2**bits.
            steps = np.concatenate([[0], key_sorted + 1, [size + 1]])
            levels = np.arange(len(steps) - 1, dtype=dtype)
            shift: NDArray[np.signedinteger] = np.repeat(levels, np.diff(steps))
            np.add(old_offsets, shift, out=offsets[start : start + size + 1], dtype=dtype)
        return MultiIndexHash(self.layout, n_new, order, offsets)

    def probe(self, queries: Codes, flips: Sequence[int]) -> tuple[Rows, NDArray[np.intp]]:
        """Rows sharing a chunk, within ``flips[q]`` bits, with query ``q``.

        Returns ``(rows, query_index)``, with repeats (a row can share several chunks);
        the caller checks the full distance. Every row within
        ``layout.guaranteed_radius(flips[q])`` of query ``q`` is among them.
        """
        if self.n == 0 or len(queries) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.intp)
        keys = chunk_keys(queries, self.layout).astype(np.int64)  # (Q, m)
        starts = self.table_starts
        flat_parts, query_parts, table_parts = [], [], []
        for f in sorted(set(flips)):
            which = np.flatnonzero(np.asarray(flips) == f)
            for j, bits in enumerate(self.layout.widths):
                masks = flip_masks(bits, f).astype(np.int64)
                probes = keys[which, j, None] ^ masks[None, :]  # (Q_f, P)
                flat_parts.append((probes + starts[j]).ravel())
                query_parts.append(np.repeat(which, len(masks)))
                table_parts.append(np.full(probes.size, j, np.int64))
        flat = np.concatenate(flat_parts)
        lo = self.offsets[flat].astype(np.int64)
        hi = self.offsets[flat + 1].astype(np.int64)
        counts = hi - lo
        hit = counts > 0
        lo, counts = lo[hit], counts[hit]
        lo += np.concatenate(table_parts)[hit] * self.n
        query_of = np.concatenate(query_parts)[hit]
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.intp)
        ends = np.cumsum(counts)
        positions = np.repeat(lo - (ends - counts), counts) + np.arange(total)
        return self.order[positions].astype(np.int64), np.repeat(query_of, counts)

    def nbytes(self) -> int:
        return int(self.order.nbytes + self.offsets.nbytes)
