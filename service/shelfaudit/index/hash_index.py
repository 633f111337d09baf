"""The global hash index: every photo's PDQ (searched) with its pHash and dHash (compared).

Rows are appended as photos arrive, into arrays that grow by doubling. The first
``n_base`` rows are covered by a ``MultiIndexHash``; later rows (the tail, fewer than
``tail_max``) are scanned exhaustively and folded into the tables when the tail is full.
A photo added again with other hashes (after a hash-version change) gets a new row and its
old row is marked dead.

Rows may carry keypoint keys (``keypoint_keys.py``): their postings (``keypoint_postings.py``)
follow the same base/tail split, so crops and small rotations, which move every hash, are
found by shared keypoints (``keypoint_search``).

Not thread-safe by itself: ``catalog.IndexedHashes`` holds the lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shelfaudit.index.keypoint_keys import KEYS_PER_PHOTO, SENTINEL
from shelfaudit.index.keypoint_postings import DEFAULT_MAX_POSTING, KeypointPostings
from shelfaudit.index.mih import Codes, Layout, MultiIndexHash, choose_layout

# Exhaustive scan of the tail: 4k rows x 8 query variants is ~0.3 ms; folding it into the
# tables is one O(N) pass (~0.5 s at 10 M rows), so ~0.1 ms per added photo.
DEFAULT_TAIL_MAX = 4_096


@dataclass(frozen=True)
class HashRows:
    """Parallel arrays for N photos: ``ids (N,) int64``, ``pdq (N, 4) uint64``,
    ``phash (N,) uint64``, ``dhash (N,) uint64``, and optionally ``keys (N, 96) uint32``
    (keypoint keys padded with ``keypoint_keys.SENTINEL``; None: no keys)."""

    ids: NDArray[np.int64]
    pdq: Codes
    phash: NDArray[np.uint64]
    dhash: NDArray[np.uint64]
    keys: NDArray[np.uint32] | None = None

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.pdq.shape != (n, 4):
            raise ValueError(f"pdq must have shape ({n}, 4), got {self.pdq.shape}")
        for name in ("phash", "dhash"):
            shape = getattr(self, name).shape
            if shape != (n,):
                raise ValueError(f"{name} must have shape ({n},), got {shape}")
        if self.keys is not None and self.keys.shape != (n, KEYS_PER_PHOTO):
            raise ValueError(f"keys must have shape ({n}, {KEYS_PER_PHOTO}), got {self.keys.shape}")

    @classmethod
    def empty(cls) -> HashRows:
        return cls(
            ids=np.zeros(0, np.int64),
            pdq=np.zeros((0, 4), np.uint64),
            phash=np.zeros(0, np.uint64),
            dhash=np.zeros(0, np.uint64),
        )

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Frozen:
    """Rows (views that later appends never overwrite), dead flags (a copy), tables and
    the keypoint postings of the same base rows (arrays no later fold modifies)."""

    rows: HashRows
    dead: NDArray[np.bool_]
    tables: MultiIndexHash
    keypoints: tuple[NDArray[np.int64], NDArray[np.uint32]] | None = None
    keyed: NDArray[np.bool_] | None = None  # rows whose keys are in the postings (a copy)


@dataclass(frozen=True)
class Query:
    """One photo's hashes in every dihedral variant: ``pdq (V, 4)``, ``phash (V,)``,
    ``dhash (V,)``; variant ``v`` is the photo with ``hashes.DIHEDRAL[v]`` undone, and
    variant 0 is the photo as it is."""

    pdq: Codes
    phash: NDArray[np.uint64]
    dhash: NDArray[np.uint64]


@dataclass(frozen=True)
class KeypointCandidates:
    """Earlier photos sharing keypoint keys with a query, most shared first."""

    ids: NDArray[np.int64]
    votes: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Candidates:
    """Earlier photos near a query, one per photo, nearest PDQ first.

    ``variant`` is the query variant that came nearest; the pHash and dHash distances are
    those of the same variant.
    """

    ids: NDArray[np.int64]
    pdq: NDArray[np.int64]
    phash: NDArray[np.int64]
    dhash: NDArray[np.int64]
    variant: NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.ids)


def hamming256(a: Codes, b: Codes) -> NDArray[np.int64]:
    """Distances of broadcastable ``(..., 4)`` codes.

    Four column additions: numpy's reduction over a length-4 axis is ~10x slower.
    """
    d: NDArray[np.int16] = np.bitwise_count(a[..., 0] ^ b[..., 0]).astype(np.int16)
    for word in range(1, 4):
        d += np.bitwise_count(a[..., word] ^ b[..., word])
    return d.astype(np.int64)


def _hamming64(a: NDArray[np.uint64], b: NDArray[np.uint64]) -> NDArray[np.int64]:
    out: NDArray[np.int64] = np.bitwise_count(a ^ b).astype(np.int64)
    return out


class _Column:
    """A column of rows that grows along axis 0 by doubling."""

    def __init__(self, initial: NDArray[Any]) -> None:
        self._n = len(initial)
        self._data = np.empty(
            (max(1024, self._n + self._n // 8), *initial.shape[1:]), initial.dtype
        )
        self._data[: self._n] = initial

    def extend(self, rows: NDArray[Any]) -> None:
        need = self._n + len(rows)
        if need > len(self._data):
            grown = np.empty(
                (max(need, 2 * len(self._data)), *self._data.shape[1:]), self._data.dtype
            )
            grown[: self._n] = self._data[: self._n]
            self._data = grown
        self._data[self._n : need] = rows
        self._n = need

    @property
    def view(self) -> NDArray[Any]:
        return self._data[: self._n]

    def nbytes(self) -> int:
        return int(self._data.nbytes)


class HashIndex:
    """Radius search over PDQ with the eight dihedral variants of a query at once."""

    def __init__(
        self,
        *,
        radius: int,
        layout: Layout | None = None,
        tail_max: int = DEFAULT_TAIL_MAX,
        rows: HashRows | None = None,
        dead: NDArray[np.bool_] | None = None,
        tables: MultiIndexHash | None = None,
        keypoints: KeypointPostings | None = None,
        keyed: NDArray[np.bool_] | None = None,
    ) -> None:
        """``rows`` (and ``dead``) are copied; ``tables`` and ``keypoints``, when given,
        cover its first rows (the keys of later rows come from ``rows.keys``)."""
        rows = rows if rows is not None else HashRows.empty()
        self.radius = radius
        self.tail_max = tail_max
        # Without an explicit layout, the index moves to longer chunks as it grows.
        self.auto_layout = layout is None and tables is None
        self.layout = layout or (tables.layout if tables else choose_layout(len(rows)))
        self._ids = _Column(rows.ids)
        self._pdq = _Column(rows.pdq)
        self._phash = _Column(rows.phash)
        self._dhash = _Column(rows.dhash)
        self._dead = _Column(dead if dead is not None else np.zeros(len(rows), np.bool_))
        if keyed is None:
            keyed = _has_keys(rows)
        self._keyed = _Column(np.asarray(keyed, np.bool_))
        self._tables = tables if tables is not None else MultiIndexHash.build(rows.pdq, self.layout)
        n_base = self._tables.n
        if keypoints is None:
            keypoints = KeypointPostings.of_matrix(rows.keys, n_base)
        if keypoints.n_base != n_base:
            raise ValueError(f"keypoints cover {keypoints.n_base} rows, tables {n_base}")
        self._keypoints = keypoints
        if rows.keys is not None and len(rows) > n_base:
            self._keypoints.add(n_base, rows.keys[n_base:])
        self._tail_where: dict[int, int] = {}  # photo id -> row, tail rows only
        for offset, photo_id in enumerate(rows.ids[self._tables.n :].tolist()):
            self._tail_where[photo_id] = self._tables.n + offset
        # Base ids sorted, with their rows: built on the first add, merged on each fold.
        self._sorted: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None

    # ------------------------------------------------------------------ contents

    def __len__(self) -> int:
        return len(self._ids.view)

    @property
    def n_base(self) -> int:
        return self._tables.n

    @property
    def live(self) -> int:
        return len(self) - int(self._dead.view.sum())

    def rows(self) -> HashRows:
        """Every row (views, valid until the next add)."""
        return HashRows(
            ids=self._ids.view,
            pdq=self._pdq.view,
            phash=self._phash.view,
            dhash=self._dhash.view,
        )

    def dead_mask(self) -> NDArray[np.bool_]:
        return self._dead.view

    def frozen(self) -> Frozen:
        """This moment's rows and tables, safe to read while the index goes on changing."""
        return Frozen(
            self.rows(),
            self.dead_mask().copy(),
            self._tables,
            self._keypoints.arrays,
            self._keyed.view.copy(),
        )

    @property
    def tables(self) -> MultiIndexHash:
        return self._tables

    def flips(self, variants: int) -> list[int]:
        """Flips per chunk for each query variant (the upright one first)."""
        upright, turned = self.layout.variant_flips(self.radius)
        return [upright] + [turned] * (variants - 1)

    @property
    def guaranteed(self) -> tuple[int, int]:
        """Distances found for sure: the upright query, its rotations and mirrors."""
        upright, turned = self.layout.variant_flips(self.radius)
        return self.layout.guaranteed_radius(upright), self.layout.guaranteed_radius(turned)

    def nbytes(self) -> int:
        columns = (self._ids, self._pdq, self._phash, self._dhash, self._dead, self._keyed)
        return sum(c.nbytes() for c in columns) + self._tables.nbytes() + self._keypoints.nbytes()

    # ------------------------------------------------------------------ updates

    def add(self, rows: HashRows) -> int:
        """Append photos; a photo already present with the same hashes is skipped, unless
        it now comes with keypoint keys its row lacks (keys backfilled for an old photo):
        then, as for new hashes, the old row is marked dead and a new one appended.

        Returns how many rows were appended.
        """
        if len(rows) == 0:
            return 0
        # Within one batch, the last row of a photo wins.
        _, last = np.unique(rows.ids[::-1], return_index=True)
        keep = np.zeros(len(rows), np.bool_)
        keep[len(rows) - 1 - last] = True
        present = self._find(rows.ids)
        keyed = _has_keys(rows)
        for i in np.flatnonzero(keep & (present >= 0)).tolist():
            row = int(present[i])
            same = self._same_hashes(row, rows, i) and not self._dead.view[row]
            if same and (self._keyed.view[row] or not keyed[i]):
                keep[i] = False
            else:
                self._dead.view[row] = True
        if not keep.any():
            return 0
        start = len(self)
        added = int(keep.sum())
        self._ids.extend(rows.ids[keep])
        self._pdq.extend(rows.pdq[keep])
        self._phash.extend(rows.phash[keep])
        self._dhash.extend(rows.dhash[keep])
        self._dead.extend(np.zeros(added, np.bool_))
        self._keyed.extend(keyed[keep])
        if rows.keys is not None:
            self._keypoints.add(start, rows.keys[keep])
        for offset, photo_id in enumerate(rows.ids[keep].tolist()):
            self._tail_where[photo_id] = start + offset
        if len(self) - self.n_base >= self.tail_max:
            self.fold_tail()
        return added

    def drop(self, ids: NDArray[np.int64]) -> int:
        """Mark the rows of these photos dead (photos that no longer have such hashes);
        returns how many live rows were dropped. Adding a photo again revives it."""
        rows = self._find(np.asarray(ids, np.int64))
        rows = rows[rows >= 0]
        live = rows[~self._dead.view[rows]]
        self._dead.view[live] = True
        return len(live)

    def fold_tail(self) -> None:
        """Index the tail in the chunk tables (one O(N) pass per table)."""
        n_old = self.n_base
        if len(self) == n_old:
            return
        pdq: Codes = self._pdq.view
        layout = choose_layout(len(self)) if self.auto_layout else self.layout
        if layout != self.layout:
            self.layout = layout
            self._tables = MultiIndexHash.build(pdq, layout)
        else:
            self._tables = self._tables.extend(pdq)
        if self._sorted is not None:
            self._sorted = _merge_sorted(self._sorted, self._ids.view, n_old)
        self._keypoints.fold(len(self))
        self._tail_where.clear()

    def _find(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """The newest row of each photo id, or -1."""
        if self._sorted is None:
            base_ids = self._ids.view[: self.n_base]
            order = np.argsort(base_ids, kind="stable")
            self._sorted = (base_ids[order], order.astype(np.int64))
        assert self._sorted is not None
        sorted_ids, sorted_rows = self._sorted
        out = np.full(len(ids), -1, np.int64)
        if len(sorted_ids):
            # The last of equal ids is the newest row (the stable sort keeps row order).
            at = np.searchsorted(sorted_ids, ids, side="right") - 1
            found = (at >= 0) & (sorted_ids[np.maximum(at, 0)] == ids)
            out[found] = sorted_rows[at[found]]
        for i, photo_id in enumerate(ids.tolist()):
            row = self._tail_where.get(photo_id)
            if row is not None:
                out[i] = row
        return out

    def _same_hashes(self, row: int, rows: HashRows, i: int) -> bool:
        return bool(
            np.array_equal(self._pdq.view[row], rows.pdq[i])
            and self._phash.view[row] == rows.phash[i]
            and self._dhash.view[row] == rows.dhash[i]
        )

    def count_before(self, photo_id: int) -> int:
        """Rows with a smaller id: the earlier photos a new one is compared with (a photo
        re-hashed under a new hash version counts twice)."""
        self._find(np.zeros(0, np.int64))  # builds the sorted ids once
        assert self._sorted is not None
        base = int(np.searchsorted(self._sorted[0], photo_id, side="left"))
        return base + int(np.count_nonzero(self._ids.view[self.n_base :] < photo_id))

    # ------------------------------------------------------------------ search

    def distances(self, query: Query, ids: list[int]) -> Candidates:
        """The hash distances of given photos (their nearest variant), for evidence."""
        rows = self._find(np.asarray(ids, np.int64))
        rows = rows[rows >= 0]
        if len(rows) == 0:
            return Candidates(*(np.zeros(0, np.int64) for _ in range(5)))
        pdq: Codes = self._pdq.view
        d = hamming256(pdq[rows][:, None, :], query.pdq[None, :, :])  # (R, V)
        best = d.argmin(axis=1)
        pick = np.arange(len(rows))
        return Candidates(
            ids=self._ids.view[rows].astype(np.int64),
            pdq=d[pick, best],
            phash=_hamming64(self._phash.view[rows], query.phash[best]),
            dhash=_hamming64(self._dhash.view[rows], query.dhash[best]),
            variant=best.astype(np.int64),
        )

    def search(
        self, query: Query, *, before_id: int | None = None, keep_within: int | None = None
    ) -> Candidates:
        """Photos whose PDQ is within ``keep_within`` (default: the index radius) of a
        variant of ``query``, with ``id < before_id`` when given.

        Every photo within ``guaranteed`` is found; photos beyond it are returned when the
        probes happen to reach them (most do up to the radius, few far beyond it).
        """
        keep = self.radius if keep_within is None else keep_within
        pdq: Codes = self._pdq.view
        rows, variant = self._tables.probe(query.pdq, self.flips(len(query.pdq)))
        d = hamming256(pdq[rows], query.pdq[variant])
        near = d <= keep
        rows, variant, d = rows[near], variant[near], d[near]

        n_base = self.n_base
        if len(self) > n_base:
            d_tail = hamming256(pdq[n_base:, None, :], query.pdq[None, :, :])  # (T, V)
            best = d_tail.argmin(axis=1)
            best_d = d_tail[np.arange(len(best)), best]
            t_near = np.flatnonzero(best_d <= keep)
            rows = np.concatenate([rows, t_near + n_base])
            variant = np.concatenate([variant, best[t_near]])
            d = np.concatenate([d, best_d[t_near]])

        ids = self._ids.view[rows]
        ok = ~self._dead.view[rows]
        if before_id is not None:
            ok &= ids < before_id
        rows, variant, d, ids = rows[ok], variant[ok], d[ok], ids[ok]
        ph = _hamming64(self._phash.view[rows], query.phash[variant])
        dh = _hamming64(self._dhash.view[rows], query.dhash[variant])
        # One entry per photo: its nearest variant (ties: pHash + dHash, then variant).
        order = np.lexsort((variant, ph + dh, d, ids))
        first = np.ones(len(order), np.bool_)
        first[1:] = ids[order][1:] != ids[order][:-1]
        pick = order[first]
        pick = pick[np.lexsort((ph[pick] + dh[pick], d[pick]))]
        return Candidates(
            ids=ids[pick].astype(np.int64),
            pdq=d[pick],
            phash=ph[pick],
            dhash=dh[pick],
            variant=variant[pick].astype(np.int64),
        )

    def keypoint_search(
        self,
        keys: NDArray[np.uint32],
        *,
        before_id: int | None = None,
        min_votes: int = 3,
        limit: int = 8,
        max_posting: int = DEFAULT_MAX_POSTING,
    ) -> KeypointCandidates:
        """Up to ``limit`` live photos (``id < before_id`` when given) sharing at least
        ``min_votes`` of the query's keypoint ``keys``, most shared first."""
        votes = self._keypoints.vote(keys, max_posting=max_posting)
        rows, count = votes.rows, votes.votes
        ok = (count >= min_votes) & ~self._dead.view[rows]
        ids = self._ids.view[rows]
        if before_id is not None:
            ok &= ids < before_id
        ids, count = ids[ok], count[ok]
        order = np.lexsort((ids, -count))[:limit]  # most votes, then the oldest photo
        return KeypointCandidates(ids=ids[order].astype(np.int64), votes=count[order])


def _has_keys(rows: HashRows) -> NDArray[np.bool_]:
    """Which rows carry at least one keypoint key."""
    if rows.keys is None:
        return np.zeros(len(rows), np.bool_)
    keyed: NDArray[np.bool_] = (rows.keys != SENTINEL).any(axis=1)
    return keyed


def _merge_sorted(
    sorted_: tuple[NDArray[np.int64], NDArray[np.int64]], ids: NDArray[np.int64], n_old: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Add rows ``n_old..`` of ``ids`` to a sorted (ids, rows) pair in O(N)."""
    new_ids = ids[n_old:]
    order = np.argsort(new_ids, kind="stable")
    new_sorted = new_ids[order]
    at = np.searchsorted(sorted_[0], new_sorted, side="right")
    rows = np.arange(n_old, len(ids), dtype=np.int64)[order]
    return np.insert(sorted_[0], at, new_sorted), np.insert(sorted_[1], at, rows)
