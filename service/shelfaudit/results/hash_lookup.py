"""Duplicate lookup against every earlier photo's hashes in the database (exhaustive)."""

from __future__ import annotations

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


def load_table(session: Session, *, before_photo_id: int) -> HashTable:
    rows = session.execute(
        select(
            PhotoHash.photo_id, PhotoHash.sha256, PhotoHash.phash, PhotoHash.dhash, PhotoHash.pdq
        )
        .where(PhotoHash.photo_id < before_photo_id)
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


def find_earlier(
    session: Session,
    *,
    photo_id: int,
    query: HashResult,
    sha256: str,
    thresholds: Thresholds,
) -> tuple[list[DuplicateMatch], int]:
    """Matches among photos accepted before ``photo_id``, with who/where/when of each."""
    table = load_table(session, before_photo_id=photo_id)
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
