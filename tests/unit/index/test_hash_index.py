from __future__ import annotations

import numpy as np
import pytest

from shelfaudit.index.hash_index import HashIndex, HashRows, hamming256
from shelfaudit.index.mih import LAYOUTS, Layout, MultiIndexHash, choose_layout, chunk_keys
from tests.unit.index.factories import flipped, query_for, random_rows

# The production layouts' 21-23-bit tables take 128-352 MB each; this one has the same
# shape (chunks straddling 64-bit words, fewer than 16 chunks) at 8 MB.
STRADDLING = Layout("test-15x17", (17,) * 15)
LAYOUTS_UNDER_TEST = [LAYOUTS["16x16"], STRADDLING]


def test_an_empty_index_finds_nothing() -> None:
    index = HashIndex(radius=31)
    result = index.search(query_for(np.zeros(4, np.uint64)))
    assert len(result) == 0
    assert index.count_before(10) == 0
    assert len(index) == 0


@pytest.mark.parametrize("layout", LAYOUTS_UNDER_TEST, ids=lambda layout: layout.name)
def test_search_equals_brute_force_within_the_guaranteed_radius(layout: Layout) -> None:
    rows = random_rows(3000, seed=1)
    index = HashIndex(radius=31, layout=layout, rows=rows, tail_max=500)
    index.add(random_rows(700, seed=2, first_id=5001))  # folds once, leaves a tail
    everything = index.rows()
    upright, turned = index.guaranteed
    rng = np.random.default_rng(3)
    for k in range(60):
        row = int(rng.integers(len(everything)))
        variant = k % 8
        radius = upright if variant == 0 else turned
        query = query_for(
            flipped(everything.pdq[row], int(rng.integers(0, radius + 1)), seed=k),
            variant=variant,
            seed=k,
        )
        found = index.search(query, keep_within=radius)
        d = hamming256(everything.pdq[:, None, :], query.pdq[None, :, :])
        truth = set(everything.ids[(d <= radius).any(axis=1)].tolist())
        assert truth <= set(found.ids.tolist())
        assert int(everything.ids[row]) in found.ids.tolist()


@pytest.mark.parametrize(("bits", "found"), [(0, True), (31, True), (32, False)])
def test_keep_within_is_an_inclusive_edge(bits: int, found: bool) -> None:
    rows = random_rows(200, seed=4)
    index = HashIndex(radius=31, layout=LAYOUTS["16x16"], rows=rows)
    query = query_for(flipped(rows.pdq[7], bits, seed=5))
    result = index.search(query, keep_within=31)
    assert (8 in result.ids.tolist()) is found
    if found:
        assert result.pdq[result.ids.tolist().index(8)] == bits


def test_the_nearest_variant_is_reported() -> None:
    rows = random_rows(100, seed=6)
    index = HashIndex(radius=31, rows=rows)
    result = index.search(query_for(flipped(rows.pdq[0], 3, seed=1), variant=5))
    assert result.ids.tolist() == [1]
    assert result.variant.tolist() == [5]
    assert result.pdq.tolist() == [3]


def test_only_earlier_photos_are_returned() -> None:
    rows = random_rows(50, seed=7)
    index = HashIndex(radius=31, rows=rows)
    query = query_for(rows.pdq[19])  # photo 20
    assert 20 in index.search(query, before_id=21).ids.tolist()
    assert 20 not in index.search(query, before_id=20).ids.tolist()
    assert index.count_before(21) == 20


def test_folding_the_tail_changes_no_result() -> None:
    rows = random_rows(400, seed=8)
    index = HashIndex(radius=31, rows=random_rows(0), tail_max=10_000)
    index.add(rows)
    query = query_for(flipped(rows.pdq[123], 20, seed=2), variant=2)
    before = index.search(query)
    index.fold_tail()
    assert index.n_base == len(index) == 400
    after = index.search(query)
    assert before.ids.tolist() == after.ids.tolist() == [124]


@pytest.mark.parametrize("layout", LAYOUTS_UNDER_TEST, ids=lambda layout: layout.name)
def test_extending_the_tables_equals_building_them(layout: Layout) -> None:
    codes = random_rows(2000, seed=9).pdq
    built = MultiIndexHash.build(codes, layout)
    extended = MultiIndexHash.build(codes[:1500], layout).extend(codes)
    assert np.array_equal(built.order, extended.order)
    assert np.array_equal(built.offsets, extended.offsets)


def test_adding_the_same_hashes_again_is_a_no_op() -> None:
    rows = random_rows(10, seed=10)
    index = HashIndex(radius=31, rows=rows)
    assert index.add(rows) == 0
    assert len(index) == 10


def test_new_hashes_for_a_photo_replace_its_old_ones() -> None:
    rows = random_rows(10, seed=11)
    index = HashIndex(radius=31, rows=rows)
    new = random_rows(1, seed=12, first_id=4)
    assert index.add(new) == 1
    assert index.live == 10
    assert 4 not in index.search(query_for(rows.pdq[3])).ids.tolist()
    assert index.search(query_for(new.pdq[0])).ids.tolist() == [4]


def test_a_dropped_photo_is_not_found_until_it_is_added_again() -> None:
    rows = random_rows(10, seed=13)
    index = HashIndex(radius=31, rows=rows, tail_max=4)
    index.add(random_rows(3, seed=14, first_id=11))  # a tail row too
    query = query_for(rows.pdq[2])

    assert index.drop(np.array([3, 12, 99], np.int64)) == 2  # 99: never indexed
    assert index.drop(np.array([3], np.int64)) == 0
    assert index.search(query).ids.tolist() == []
    assert index.live == 11
    assert index.add(HashRows(rows.ids[2:3], rows.pdq[2:3], rows.phash[2:3], rows.dhash[2:3])) == 1
    assert index.search(query).ids.tolist() == [3]


@pytest.mark.parametrize("layout", [*LAYOUTS.values(), STRADDLING], ids=lambda x: x.name)
def test_chunk_keys_are_the_bits_of_the_code(layout: Layout) -> None:
    codes = random_rows(5, seed=13).pdq
    keys = chunk_keys(codes, layout)
    for code, row in zip(codes, keys, strict=True):
        value = int("".join(f"{int(w):064b}" for w in code), 2)
        for (start, width), key in zip(
            zip(layout.starts, layout.widths, strict=True), row, strict=True
        ):
            assert int(key) == (value >> (256 - start - width)) & ((1 << width) - 1)


def test_guaranteed_radius_follows_the_pigeonhole() -> None:
    assert LAYOUTS["16x16"].guaranteed_radius(1) == 31
    assert LAYOUTS["11x23"].variant_flips(31) == (2, 1)
    assert LAYOUTS["11x23"].guaranteed_radius(2) == 32
    assert LAYOUTS["11x23"].guaranteed_radius(1) == 21


def test_the_layout_grows_with_the_index() -> None:
    assert choose_layout(1_000).name == "16x16"
    assert choose_layout(1_000_000).name == "12x21"
    assert choose_layout(10_000_000).name == "11x23"


def test_rows_refuse_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="pdq must have shape"):
        HashRows(
            ids=np.zeros(2, np.int64),
            pdq=np.zeros((3, 4), np.uint64),
            phash=np.zeros(2, np.uint64),
            dhash=np.zeros(2, np.uint64),
        )
