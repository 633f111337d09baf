from __future__ import annotations

import numpy as np
import pytest

from shelfaudit.analyse.duplicates import HashTable, Thresholds, find_matches, pdq_words
from shelfaudit.domain.checks import HashResult

THRESHOLDS = Thresholds(pdq=56, phash=10, dhash=12)
BASE_PDQ = "f" * 16 + "0" * 16 + "a" * 16 + "5" * 16


def query(
    pdq: str = BASE_PDQ, phash: str = "00000000000000ff", dhash: str = "0f0f0f0f0f0f0f0f"
) -> HashResult:
    return HashResult(version="t", ms=0, phash=phash, dhash=dhash, pdq=pdq, pdq_quality=100)


def flip_bits(hex_text: str, n: int) -> str:
    value = int(hex_text, 16) ^ ((1 << n) - 1)
    return f"{value:0{len(hex_text)}x}"


def table(rows: list[tuple[int, str, HashResult]]) -> HashTable:
    return HashTable(
        ids=np.array([r[0] for r in rows], np.int64),
        sha256=np.array([r[1] for r in rows], object),
        phash=np.array([int(r[2].phash, 16) for r in rows], np.uint64),
        dhash=np.array([int(r[2].dhash, 16) for r in rows], np.uint64),
        pdq=np.array([pdq_words(r[2].pdq) for r in rows], np.uint64).reshape(-1, 4),
    )


def test_empty_table_matches_nothing() -> None:
    assert find_matches(query(), "abc", HashTable.empty(), THRESHOLDS) == []


@pytest.mark.parametrize(
    ("pdq_bits", "phash_bits", "dhash_bits", "matched"),
    [
        (0, 0, 0, True),
        (56, 40, 40, True),  # PDQ alone at its threshold
        (57, 40, 40, False),
        (120, 10, 12, True),  # pHash and dHash together at theirs
        (120, 10, 13, False),
        (120, 11, 0, False),
    ],
)
def test_near_match_thresholds(
    pdq_bits: int, phash_bits: int, dhash_bits: int, matched: bool
) -> None:
    earlier = query(
        pdq=flip_bits(BASE_PDQ, pdq_bits),
        phash=flip_bits("00000000000000ff", phash_bits),
        dhash=flip_bits("0f0f0f0f0f0f0f0f", dhash_bits),
    )
    hits = find_matches(query(), "new", table([(7, "old", earlier)]), THRESHOLDS)
    assert [h.photo_id for h in hits] == ([7] if matched else [])
    if matched:
        assert (hits[0].pdq_distance, hits[0].phash_distance, hits[0].dhash_distance) == (
            pdq_bits,
            phash_bits,
            dhash_bits,
        )


def test_exact_duplicate_is_found_by_sha_even_when_hashes_differ() -> None:
    far = query(pdq=flip_bits(BASE_PDQ, 200), phash=flip_bits("00000000000000ff", 40))
    hits = find_matches(query(), "same", table([(3, "same", far)]), THRESHOLDS)
    assert len(hits) == 1
    assert hits[0].exact


def test_hits_are_sorted_exact_first_then_nearest() -> None:
    rows = [
        (1, "a", query(pdq=flip_bits(BASE_PDQ, 30))),
        (2, "b", query(pdq=flip_bits(BASE_PDQ, 5))),
        (3, "new", query(pdq=flip_bits(BASE_PDQ, 20))),
    ]
    hits = find_matches(query(), "new", table(rows), THRESHOLDS)
    assert [h.photo_id for h in hits] == [3, 2, 1]


def test_table_refuses_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="pdq must have shape"):
        HashTable(
            ids=np.zeros(2, np.int64),
            sha256=np.zeros(2, object),
            phash=np.zeros(2, np.uint64),
            dhash=np.zeros(2, np.uint64),
            pdq=np.zeros((3, 4), np.uint64),
        )
