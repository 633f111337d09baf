"""Keypoint postings vote like a brute-force count of shared keys, in base, tail and after folds."""

from __future__ import annotations

import numpy as np
import pytest

from shelfaudit.index.hash_index import HashIndex
from shelfaudit.index.keypoint_keys import KEYS_PER_PHOTO, SENTINEL
from shelfaudit.index.keypoint_postings import KeypointPostings, Votes
from tests.unit.index.factories import random_rows

# A small key space, so that rows share keys by chance and votes are interesting.
SPACE = 2_000


def random_keys(n: int, *, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    keys = np.full((n, KEYS_PER_PHOTO), SENTINEL, np.uint32)
    for i in range(n):
        row = np.unique(rng.integers(0, SPACE, size=int(rng.integers(0, KEYS_PER_PHOTO + 1))))
        keys[i, : len(row)] = row
    return keys


def brute_force(keys: np.ndarray, query: np.ndarray) -> dict[int, int]:
    q = np.unique(query)
    out = {}
    for row, stored in enumerate(keys):
        shared = len(np.intersect1d(stored[stored != SENTINEL], q))
        if shared:
            out[row] = shared
    return out


def as_dict(votes: Votes) -> dict[int, int]:
    return dict(zip(votes.rows.tolist(), votes.votes.tolist(), strict=True))


@pytest.mark.parametrize("n_base", [0, 30, 100])
@pytest.mark.parametrize("fold", [False, True])
def test_votes_equal_a_brute_force_count(n_base: int, fold: bool) -> None:
    keys = random_keys(100)
    postings = KeypointPostings.of_matrix(keys, n_base)
    postings.add(n_base, keys[n_base:60] if n_base < 60 else keys[:0])
    if n_base < 60:
        postings.add(60, keys[60:])
    if fold:
        postings.fold(100)
    query = np.random.default_rng(1).integers(0, SPACE, size=400).astype(np.uint32)
    assert as_dict(postings.vote(query)) == brute_force(keys, query)


def test_folding_twice_equals_building_at_once() -> None:
    keys = random_keys(90, seed=3)
    grown = KeypointPostings.of_matrix(keys, 20)
    grown.add(20, keys[20:50])
    grown.fold(50)
    grown.add(50, keys[50:])
    grown.fold(90)
    built = KeypointPostings.of_matrix(keys, 90)
    assert grown.arrays is not None
    assert built.arrays is not None
    for a, b in zip(grown.arrays, built.arrays, strict=True):
        assert np.array_equal(a, b)
    assert len(grown) == len(built) == int((keys != SENTINEL).sum())


def test_a_key_held_by_too_many_rows_is_skipped() -> None:
    keys = np.full((10, KEYS_PER_PHOTO), SENTINEL, np.uint32)
    keys[:, 0] = 5  # every row
    keys[3, 1] = 9  # one row
    postings = KeypointPostings.of_matrix(keys, 10)
    query = np.array([5, 9], np.uint32)
    assert as_dict(postings.vote(query, max_posting=4)) == {3: 1}
    assert len(postings.vote(query, max_posting=10)) == 10


def test_no_keys_no_votes() -> None:
    postings = KeypointPostings.of_matrix(None, 5)
    assert postings.arrays is None
    assert len(postings.vote(np.arange(10, dtype=np.uint32))) == 0
    assert len(KeypointPostings().vote(np.zeros(0, np.uint32))) == 0


def test_keys_of_the_wrong_shape_are_refused() -> None:
    with pytest.raises(ValueError, match="keys must have shape"):
        KeypointPostings().add(0, np.zeros((3, 5), np.uint32))
    with pytest.raises(ValueError, match="both offsets and rows"):
        KeypointPostings(offsets=np.zeros(3, np.int64))


def index_with_keys(n: int, keys: np.ndarray) -> HashIndex:
    rows = random_rows(n)
    return HashIndex(radius=31, rows=type(rows)(rows.ids, rows.pdq, rows.phash, rows.dhash, keys))


def test_the_index_ranks_photos_by_shared_keys_and_filters_them() -> None:
    keys = np.full((6, KEYS_PER_PHOTO), SENTINEL, np.uint32)
    keys[0, :5] = np.arange(5)  # photo 1 shares 5
    keys[1, :3] = np.arange(3)  # photo 2 shares 3
    keys[2, :2] = np.arange(2)  # photo 3 shares 2: below min_votes
    keys[4, :5] = np.arange(5)  # photo 5 shares 5, newer than photo 1
    index = index_with_keys(6, keys)
    query = np.arange(5, dtype=np.uint32)
    found = index.keypoint_search(query, min_votes=3)
    assert found.ids.tolist() == [1, 5, 2]
    assert found.votes.tolist() == [5, 5, 3]
    assert index.keypoint_search(query, min_votes=3, before_id=5).ids.tolist() == [1, 2]
    assert index.keypoint_search(query, min_votes=3, limit=1).ids.tolist() == [1]


def test_a_photo_re_added_with_other_hashes_keeps_one_live_row() -> None:
    keys = np.full((3, KEYS_PER_PHOTO), SENTINEL, np.uint32)
    keys[0, :4] = np.arange(4)
    index = index_with_keys(3, keys)
    again = random_rows(1, seed=9)  # photo 1 with new hashes and keys
    new_keys = np.full((1, KEYS_PER_PHOTO), SENTINEL, np.uint32)
    new_keys[0, :4] = np.arange(100, 104)
    index.add(type(again)(again.ids, again.pdq, again.phash, again.dhash, new_keys))
    assert len(index.keypoint_search(np.arange(4, dtype=np.uint32))) == 0
    assert index.keypoint_search(np.arange(100, 104, dtype=np.uint32)).ids.tolist() == [1]
    index.fold_tail()
    assert index.keypoint_search(np.arange(100, 104, dtype=np.uint32)).ids.tolist() == [1]


def test_keys_backfilled_for_a_photo_replace_its_keyless_row_once() -> None:
    rows = random_rows(3)
    index = HashIndex(radius=31, rows=rows)  # analysed before keys were kept
    keys = np.full((1, KEYS_PER_PHOTO), SENTINEL, np.uint32)
    keys[0, :6] = np.arange(200, 206)
    again = type(rows)(rows.ids[1:2], rows.pdq[1:2], rows.phash[1:2], rows.dhash[1:2], keys)
    assert index.add(again) == 1  # same hashes, but now with keys
    assert index.keypoint_search(keys[0, :6]).ids.tolist() == [2]
    assert index.live == 3
    assert index.add(again) == 0  # the same keys again: nothing to do
    assert (
        index.add(type(rows)(rows.ids[1:2], rows.pdq[1:2], rows.phash[1:2], rows.dhash[1:2])) == 0
    )


@pytest.mark.parametrize(("probe_below", "found"), [(1_000, True), (0, False)])
def test_keys_one_bit_away_are_probed_while_the_index_is_small(
    probe_below: int, found: bool
) -> None:
    from shelfaudit.index import keypoint_keys
    from shelfaudit.index.features import LocalFeatures
    from shelfaudit.index.search import SearchConfig, keypoint_unmatched

    rng = np.random.default_rng(5)
    descriptors = rng.integers(0, 256, size=(KEYS_PER_PHOTO, 32), dtype=np.uint8)

    def features(d: np.ndarray) -> LocalFeatures:
        return LocalFeatures(
            np.zeros((len(d), 2), np.float32), d, 100, 100, np.zeros((4, 4), np.uint8)
        )

    stored = keypoint_keys.stored_keys(features(descriptors))
    index = index_with_keys(3, np.stack([stored, random_keys(1)[0], random_keys(1, seed=2)[0]]))
    moved = descriptors.copy()
    bit = int(keypoint_keys._BITS[0])  # a sampled bit: every key moves by exactly one bit
    moved[:, bit // 8] ^= np.uint8(1 << (7 - bit % 8))
    config = SearchConfig(keypoint_probe_below=probe_below)
    ids = keypoint_unmatched(index, features(moved), set(), before_id=None, config=config)
    assert (ids == [1]) is found
