"""Duplicate lookup for the processor: identical bytes, hashes, then local features.

The search itself (hash index, verification) lives in ``shelfaudit.index``; this module
adapts it to the pipeline's ``History`` and writes the hash row the index catches up from.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from shelfaudit.analyse.duplicates import Thresholds, hex_to_u64
from shelfaudit.analyse.hashes import inside_hashes
from shelfaudit.domain.checks import DuplicateMatch, HashResult
from shelfaudit.errors import NotFound
from shelfaudit.index.features import LocalFeatures, extract_inside_bars, extract_mirrored
from shelfaudit.index.features import extract as extract_features
from shelfaudit.index.lookup import DuplicateSearch
from shelfaudit.store.tables import Photo

log = logging.getLogger(__name__)

_U64 = 1 << 64


def to_signed64(value: int) -> int:
    """Unsigned 64-bit hash -> the signed value a BIGINT column holds."""
    return value - _U64 if value >= 1 << 63 else value


# The per-process duplicate search (hash index + local features) under the name the
# processor and ``DbHistory`` know it by.
HashCache = DuplicateSearch


def find_earlier(
    session: Session,
    *,
    photo_id: int,
    query: HashResult,
    sha256: str,
    thresholds: Thresholds,
    cache: HashCache,
    rgb: NDArray[np.uint8] | None = None,
) -> tuple[list[DuplicateMatch], int]:
    """Matches among photos accepted before ``photo_id``, with who/where/when of each.

    With the analysis image (``rgb``), the photo's local features are extracted and kept
    for later lookups, and the second stage runs; without it only hashes are compared.
    """
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise NotFound(f"photo {photo_id} does not exist")
    inside = mirrored = None
    if rgb is not None:
        features = extract_features(rgb).features
        cache.store_features(sha256, features)
        extracted = extract_inside_bars(rgb)
        inside = extracted.features if extracted is not None else None
        mirrored = extract_mirrored(rgb).features
    else:
        features = LocalFeatures.empty()
    found = cache.find(
        session,
        photo=photo,
        hashes=query,
        features=features,
        thresholds=thresholds,
        inside_bars=inside,
        mirrored=mirrored,
    )
    if found.verified:
        log.debug(
            "photo %s: %d candidates verified in %.1f ms", photo_id, found.verified, found.local_ms
        )
    return found.matches, found.searched


def hash_row(
    photo_id: int, sha256: str, hashes: HashResult, orb_keys: bytes | None = None
) -> dict[str, object]:
    """The ``photo_hashes`` row of a photo (``orb_keys``: ``keypoint_keys.to_bytes``), with
    the hashes of the picture inside its flat bars when it has them."""
    inside = inside_hashes(hashes)
    return {
        "photo_id": photo_id,
        "sha256": sha256,
        "phash": to_signed64(hex_to_u64(hashes.phash)),
        "dhash": to_signed64(hex_to_u64(hashes.dhash)),
        "pdq": hashes.pdq,
        "pdq_quality": hashes.pdq_quality,
        "orb_keys": orb_keys,
        "inside_phash": to_signed64(hex_to_u64(inside[0])) if inside else None,
        "inside_dhash": to_signed64(hex_to_u64(inside[1])) if inside else None,
        "inside_pdq": inside[2] if inside else NO_BARS,
    }


# ``inside_pdq`` of a photo checked for bars and found without; NULL: not checked (hashed
# before the inside-bars row existed; ``db backfill-inside`` checks those).
NO_BARS = ""

# Columns a photo's hash row updates when it is analysed again.
HASH_ROW_UPDATES = (
    "sha256",
    "phash",
    "dhash",
    "pdq",
    "pdq_quality",
    "orb_keys",
    "inside_phash",
    "inside_dhash",
    "inside_pdq",
)
