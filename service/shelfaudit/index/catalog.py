"""Keep a process's hash index in step with the database.

The first lookup in a process loads the newest snapshot (``snapshot.py``) and catches up
from ``photo_hash_feed`` (rows with ``seq`` above the snapshot's watermark), or builds the
index from the whole feed when there is no snapshot. Every later lookup catches up again:
one indexed range query, usually empty.

Saves can commit out of ``seq`` order (PostgreSQL hands out sequence numbers before
commit), so a number missing below the highest one seen is a *gap*: asked for again on
every catch-up until it shows up, or forgotten after ``gap_timeout_s`` (a rolled back
save never will). Nothing committed is lost, whatever the order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shelfaudit.index import keypoint_keys, snapshot
from shelfaudit.index.hash_index import DEFAULT_TAIL_MAX, HashIndex, HashRows
from shelfaudit.store.tables import PhotoHash, PhotoHashFeed

log = logging.getLogger(__name__)

# seq, photo_id, phash, dhash, pdq, orb_keys, inside_phash, inside_dhash, inside_pdq
FeedRow = tuple[int, int, int, int, str, bytes | None, int | None, int | None, str | None]

MAX_GAPS = 10_000
FETCH_BATCH = 100_000


@dataclass(frozen=True)
class CatalogConfig:
    radius: int = 31
    root: Path | None = None  # snapshot folder; None keeps the index in memory only
    hashes_version: str = ""
    tail_max: int = DEFAULT_TAIL_MAX
    gap_timeout_s: float = 600.0
    save_every: int = 50_000  # rows added since the last snapshot
    save_from_rows: int = 10_000  # smaller indexes rebuild from the database in a blink


def rows_from_db(
    rows: Sequence[tuple[int, int, int, str]] | Sequence[tuple[int, int, int, str, bytes | None]],
) -> HashRows:
    """(photo_id, phash, dhash, pdq hex[, keypoint keys]) as stored -> index rows.

    Keys that cannot be read (a damaged row) leave that photo out of the keypoint
    postings only; its hashes are indexed as usual.
    """
    if not rows:
        return HashRows.empty()
    ids, phashes, dhashes, pdqs = (list(c) for c in zip(*(r[:4] for r in rows), strict=True))
    pdq = np.frombuffer(bytes.fromhex("".join(pdqs)), dtype=">u8").astype(np.uint64)
    keys = None
    if any(len(r) > 4 and r[4] for r in rows):
        keys = np.stack([_keys_of_row(r) for r in rows])
    return HashRows(
        ids=np.asarray(ids, dtype=np.int64),
        pdq=pdq.reshape(-1, 4),
        phash=np.asarray(phashes, dtype=np.int64).view(np.uint64),
        dhash=np.asarray(dhashes, dtype=np.int64).view(np.uint64),
        keys=keys,
    )


def inside_rows_from_db(
    rows: Sequence[tuple[int, int | None, int | None, str | None]],
) -> tuple[HashRows, NDArray[np.int64]]:
    """(photo_id, inside pHash, dHash, PDQ hex) as stored -> the inside-bars index's rows,
    and the ids of photos without bars (PDQ "" or NULL; their earlier inside row, if any,
    is dropped).

    A photo saved twice in one batch counts as its last save.
    """
    last: dict[int, tuple[int | None, int | None, str | None]] = {}
    for photo_id, phash, dhash, pdq in rows:
        last.pop(photo_id, None)  # re-inserted: dict order is the order of last saves
        last[photo_id] = (phash, dhash, pdq)
    barred = [
        (i, ph, dh, pdq)
        for i, (ph, dh, pdq) in last.items()
        if pdq and ph is not None and dh is not None
    ]
    plain = [i for i, (_, _, pdq) in last.items() if not pdq]
    return rows_from_db(barred), np.asarray(plain, dtype=np.int64)


def _keys_of_row(row: tuple[object, ...]) -> NDArray[np.uint32]:
    data = row[4] if len(row) > 4 else None
    try:
        return keypoint_keys.from_bytes(data if isinstance(data, bytes) else None)
    except ValueError as exc:
        log.warning("photo %s: unreadable keypoint keys (%s); left out", row[0], exc)
        return keypoint_keys.from_bytes(None)


class IndexedHashes:
    """The process-wide hash index and where it stands in the feed."""

    def __init__(self, config: CatalogConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self._index: HashIndex | None = None
        # What lies inside photos' flat bars, so a screenshot of a letterboxed photo (whose
        # trimmed hashes drop the photo's own bars as well) finds it; few photos have bars.
        self._inside: HashIndex | None = None
        self._watermark = 0
        self._at_watermark: tuple[int, str] = (0, "")  # the feed row there: photo id, PDQ
        self._gaps: dict[int, float] = {}
        self._unsaved = 0
        self._saving: threading.Thread | None = None

    @property
    def watermark(self) -> int:
        return self._watermark

    @property
    def gaps(self) -> dict[int, float]:
        return dict(self._gaps)

    def index(self, session: Session) -> HashIndex:
        """The index, caught up with every committed save (call under ``lock``)."""
        with self.lock:
            if self._index is None:
                self._open(session)
            added = self.catch_up(session)
            assert self._index is not None
            if (
                added
                and self._unsaved >= self.config.save_every
                and len(self._index) >= self.config.save_from_rows
            ):
                self.save_in_background()
            return self._index

    @property
    def inside(self) -> HashIndex:
        """The inside-bars index, caught up with ``index`` (call under ``lock``, after it)."""
        if self._inside is None:
            raise RuntimeError("the hash index is not open: call index(session) first")
        return self._inside

    def _open(self, session: Session) -> None:
        started = time.perf_counter()
        loaded = None
        if self.config.root is not None:
            loaded = snapshot.load(
                self.config.root, radius=self.config.radius, tail_max=self.config.tail_max
            )
        if loaded is not None and loaded.meta.hashes_version != self.config.hashes_version:
            loaded = None
        if loaded is not None and (mismatch := _differs_from_database(session, loaded.meta)):
            log.warning(
                "hash index snapshot does not match the database (%s: restored from a backup, "
                "or another database?); rebuilding the index from the database",
                mismatch,
            )
            loaded = None
        if loaded is not None:
            self._index, meta, self._inside = loaded
            self._watermark, self._gaps = meta.watermark, dict(meta.gaps)
            self._at_watermark = (meta.watermark_photo_id, meta.watermark_pdq)
            log.info(
                "hash index: %d rows (%d inside bars) from snapshot (seq %d) in %.1f s",
                len(self._index),
                len(self._inside),
                meta.watermark,
                time.perf_counter() - started,
            )
        else:
            self._index = HashIndex(radius=self.config.radius, tail_max=self.config.tail_max)
            self._inside = HashIndex(radius=self.config.radius, tail_max=self.config.tail_max)
            self._watermark, self._gaps = 0, {}
            self._at_watermark = (0, "")
            self._unsaved = self.config.save_every  # save once built

    def catch_up(self, session: Session) -> int:
        """Add every feed row committed since the last call; returns rows added."""
        with self.lock:
            assert self._index is not None
            assert self._inside is not None
            added = 0
            while True:
                batch = self._fetch(session)
                if not batch:
                    break
                seqs = np.fromiter((r[0] for r in batch), np.int64, len(batch))
                top = batch[int(seqs.argmax())]
                if top[0] > self._watermark:
                    self._at_watermark = (top[1], top[4])
                self._advance(seqs)
                added += self._index.add(rows_from_db([r[1:6] for r in batch]))
                barred, plain = inside_rows_from_db([(r[1], *r[6:]) for r in batch])
                self._inside.drop(plain)
                self._inside.add(barred)
                if len(batch) < FETCH_BATCH:
                    break
            self._expire_gaps()
            self._unsaved += added
            return added

    def _fetch(self, session: Session) -> list[FeedRow]:
        wanted = PhotoHashFeed.seq > self._watermark
        if self._gaps:
            wanted = or_(wanted, PhotoHashFeed.seq.in_(sorted(self._gaps)))
        rows = session.execute(
            select(
                PhotoHashFeed.seq,
                PhotoHash.photo_id,
                PhotoHash.phash,
                PhotoHash.dhash,
                PhotoHash.pdq,
                PhotoHash.orb_keys,
                PhotoHash.inside_phash,
                PhotoHash.inside_dhash,
                PhotoHash.inside_pdq,
            )
            .join(PhotoHash, PhotoHash.photo_id == PhotoHashFeed.photo_id)
            .where(wanted)
            .order_by(PhotoHashFeed.seq)
            .limit(FETCH_BATCH)
        ).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def _advance(self, seqs: NDArray[np.int64]) -> None:
        for seq in seqs[seqs <= self._watermark].tolist():
            self._gaps.pop(int(seq), None)
        top = int(seqs.max())
        if top > self._watermark:
            expected = np.arange(self._watermark + 1, top + 1, dtype=np.int64)
            now = time.time()
            for seq in np.setdiff1d(expected, seqs, assume_unique=True).tolist():
                self._gaps.setdefault(int(seq), now)
            self._watermark = top

    def _expire_gaps(self) -> None:
        if not self._gaps:
            return
        cutoff = time.time() - self.config.gap_timeout_s
        for seq, first_seen in list(self._gaps.items()):
            if first_seen < cutoff:
                del self._gaps[seq]
        if len(self._gaps) > MAX_GAPS:  # a burst of rollbacks: keep the newest
            for seq in sorted(self._gaps)[: len(self._gaps) - MAX_GAPS]:
                del self._gaps[seq]

    def save(self) -> Path | None:
        """Write a snapshot now (in this thread); None without a folder or when another
        process is saving."""
        if self.config.root is None:
            return None
        with self.lock:
            if self._index is None:
                return None
            for index in (self._index, self._inside):
                if index is not None and index.n_base < len(index):
                    index.fold_tail()
            frozen = self._index.frozen()
            inside = self._inside.frozen() if self._inside is not None else None
            meta = snapshot.SnapshotMeta(
                hashes_version=self.config.hashes_version,
                watermark=self._watermark,
                gaps=dict(self._gaps),
                watermark_photo_id=self._at_watermark[0],
                watermark_pdq=self._at_watermark[1],
            )
            self._unsaved = 0
        return snapshot.save(frozen, self.config.root, meta, inside)

    def save_in_background(self) -> None:
        # What is written is frozen under the lock; later adds only append beyond the row
        # views (or reallocate, leaving them alive), so the writing needs no lock.
        if self.config.root is None or (self._saving and self._saving.is_alive()):
            return
        self._saving = threading.Thread(target=self.save, name="hash-index-save", daemon=True)
        self._saving.start()

    def wait_for_save(self, timeout: float | None = None) -> None:
        """Block until a background save (if any) has finished."""
        if self._saving is not None:
            self._saving.join(timeout)


def _differs_from_database(session: Session, meta: snapshot.SnapshotMeta) -> str | None:
    """Why a snapshot cannot stand for this database, or None when it can.

    Its feed row at the watermark must still be there and be the same photo with the same
    PDQ: after a restore from an older backup the feed ends before it (and new photos would
    reuse its sequence numbers, so the catch-up would skip them), or holds other photos.
    """
    if meta.watermark == 0:
        return None
    row = session.execute(
        select(PhotoHashFeed.photo_id, PhotoHash.pdq)
        .join(PhotoHash, PhotoHash.photo_id == PhotoHashFeed.photo_id)
        .where(PhotoHashFeed.seq == meta.watermark)
    ).first()
    if row is None:
        top = session.scalar(select(func.max(PhotoHashFeed.seq))) or 0
        return f"the snapshot reaches feed row {meta.watermark}; the database has none (last {top})"
    if meta.watermark_photo_id and (row[0], row[1]) != (
        meta.watermark_photo_id,
        meta.watermark_pdq,
    ):
        return (
            f"feed row {meta.watermark} is photo {row[0]} in the database and photo "
            f"{meta.watermark_photo_id} in the snapshot"
        )
    return None
