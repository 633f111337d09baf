"""Duplicate lookup against every earlier photo's hashes in the database (exhaustive)."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from shelfaudit.analyse.duplicates import HashTable, Thresholds, find_matches, hex_to_u64
from shelfaudit.domain.checks import DuplicateMatch, HashResult
from shelfaudit.domain.enums import MatchKind
from shelfaudit.store.tables import Photo, PhotoHash

_U64 = 1 << 64


def to_signed64(value: int) -> int:
    """Unsigned 64-bit hash -> the signed value a BIGINT column holds."""
    return value - _U64 if value >= 1 << 63 else value


def load_table(session: Session, *, after_photo_id: int = 0) -> HashTable:
    """Hashes of every photo with id > ``after_photo_id``, in id order."""
    rows = session.execute(
        select(
            PhotoHash.photo_id, PhotoHash.sha256, PhotoHash.phash, PhotoHash.dhash, PhotoHash.pdq
        )
        .where(PhotoHash.photo_id > after_photo_id)
        .order_by(PhotoHash.photo_id)
    ).all()
    if not rows:
        return HashTable.empty()
    ids, shas, phashes, dhashes, pdqs = zip(*rows, strict=True)
    pdq = np.frombuffer(bytes.fromhex("".join(pdqs)), dtype=">u8").astype(np.uint64)
    return HashTable(
        ids=np.asarray(ids, dtype=np.int64),
        sha256=np.asarray(shas, dtype=object),
        phash=np.asarray(phashes, dtype=np.int64).view(np.uint64),
        dhash=np.asarray(dhashes, dtype=np.int64).view(np.uint64),
        pdq=pdq.reshape(-1, 4),
    )


class HashCache:
    """Every stored photo's hashes in memory, refreshed incrementally from the database.

    New rows are fetched by id on every lookup; a full reload every ``full_reload_s``
    picks up rows that committed out of id order. An exhaustive scan is fine at this
    scale (10,000 photos: about 1 ms); the scalable index replaces this class later.
    """

    def __init__(self, *, full_reload_s: float = 60.0) -> None:
        self._lock = threading.Lock()
        self._table = HashTable.empty()
        self._loaded_at = -math.inf
        self._full_reload_s = full_reload_s

    def table(self, session: Session) -> HashTable:
        with self._lock:
            now = time.monotonic()
            if now - self._loaded_at > self._full_reload_s:
                self._table, self._loaded_at = load_table(session), now
            else:
                last = int(self._table.ids[-1]) if len(self._table) else 0
                self._table = self._table.concat(load_table(session, after_photo_id=last))
            return self._table


def find_earlier(
    session: Session,
    *,
    photo_id: int,
    query: HashResult,
    sha256: str,
    thresholds: Thresholds,
    cache: HashCache,
) -> tuple[list[DuplicateMatch], int]:
    """Matches among photos accepted before ``photo_id``, with who/where/when of each."""
    table = cache.table(session).before(photo_id)
    hits = find_matches(query, sha256, table, thresholds)
    if not hits:
        return [], len(table)
    photos = {
        p.id: p
        for p in session.scalars(select(Photo).where(Photo.id.in_([h.photo_id for h in hits])))
    }
    matches = []
    for hit in hits:
        photo = photos[hit.photo_id]
        matches.append(
            DuplicateMatch(
                photo_id=hit.photo_id,
                kind=MatchKind.exact if hit.exact else MatchKind.near,
                file=photo.source_name,
                store_id=photo.store_id,
                rep_id=photo.rep_id,
                received_at=photo.received_at,
                pdq_distance=hit.pdq_distance,
                phash_distance=hit.phash_distance,
                dhash_distance=hit.dhash_distance,
            )
        )
    return matches, len(table)


def hash_row(photo_id: int, sha256: str, hashes: HashResult) -> dict[str, object]:
    return {
        "photo_id": photo_id,
        "sha256": sha256,
        "phash": to_signed64(hex_to_u64(hashes.phash)),
        "dhash": to_signed64(hex_to_u64(hashes.dhash)),
        "pdq": hashes.pdq,
        "pdq_quality": hashes.pdq_quality,
    }
