from __future__ import annotations

from pathlib import Path

import numpy as np

from shelfaudit.index import snapshot
from shelfaudit.index.hash_index import HashIndex
from tests.unit.index.factories import flipped, query_for, random_rows


def test_a_saved_index_loads_with_the_same_answers(tmp_path: Path) -> None:
    rows = random_rows(500, seed=1)
    index = HashIndex(radius=31, rows=rows, tail_max=10_000)
    index.add(random_rows(30, seed=2, first_id=1000))  # a tail that is not folded
    meta = snapshot.SnapshotMeta(hashes_version="h1", watermark=530, gaps={529: 12.5})
    assert snapshot.save(index.frozen(), tmp_path, meta) is not None

    loaded = snapshot.load(tmp_path, radius=31, tail_max=10_000)

    assert loaded is not None
    again, again_meta, _ = loaded
    assert (again_meta.watermark, again_meta.gaps, again_meta.hashes_version) == (
        530,
        {529: 12.5},
        "h1",
    )
    assert (len(again), again.n_base) == (530, 500)
    query = query_for(flipped(rows.pdq[41], 9, seed=3), variant=3)
    assert again.search(query).ids.tolist() == index.search(query).ids.tolist() == [42]


def test_a_loaded_index_keeps_growing(tmp_path: Path) -> None:
    index = HashIndex(radius=31, rows=random_rows(100, seed=4))
    snapshot.save(
        index.frozen(), tmp_path, snapshot.SnapshotMeta(hashes_version="h", watermark=100)
    )
    loaded = snapshot.load(tmp_path, radius=31, tail_max=10)
    assert loaded is not None
    grown = loaded[0]
    new = random_rows(25, seed=5, first_id=101)
    assert grown.add(new) == 25
    assert grown.search(query_for(new.pdq[24])).ids.tolist() == [125]


def test_no_snapshot_loads_as_none(tmp_path: Path) -> None:
    assert snapshot.load(tmp_path / "missing", radius=31, tail_max=10) is None


def test_an_unreadable_snapshot_loads_as_none(tmp_path: Path) -> None:
    index = HashIndex(radius=31, rows=random_rows(10))
    folder = snapshot.save(
        index.frozen(), tmp_path, snapshot.SnapshotMeta(hashes_version="h", watermark=1)
    )
    assert folder is not None
    (folder / "meta.json").write_text("{not json")
    assert snapshot.load(tmp_path, radius=31, tail_max=10) is None


def test_old_snapshots_are_pruned(tmp_path: Path) -> None:
    index = HashIndex(radius=31, rows=random_rows(10))
    for k in range(4):
        snapshot.save(
            index.frozen(), tmp_path, snapshot.SnapshotMeta(hashes_version="h", watermark=k)
        )
    assert len(list((tmp_path / "snapshots").iterdir())) == snapshot.KEEP_SNAPSHOTS
    loaded = snapshot.load(tmp_path, radius=31, tail_max=10)
    assert loaded is not None
    assert loaded[1].watermark == 3


def test_keypoint_postings_survive_a_snapshot(tmp_path: Path) -> None:
    from tests.unit.index.test_keypoint_postings import index_with_keys, random_keys

    keys = random_keys(50, seed=8)
    keys[7, :20] = np.arange(3_000, 3_020)
    index = index_with_keys(50, keys)
    snapshot.save(index.frozen(), tmp_path, snapshot.SnapshotMeta(hashes_version="h", watermark=1))
    loaded = snapshot.load(tmp_path, radius=31, tail_max=10)
    assert loaded is not None
    again = loaded[0]
    query = keys[7, :20]
    expected = index.keypoint_search(query, min_votes=1, limit=50)
    found = again.keypoint_search(query, min_votes=1, limit=50)
    assert found.ids.tolist() == expected.ids.tolist()
    assert found.ids[0] == 8
    more = random_rows(12, seed=9, first_id=51)  # grows past tail_max: a fold
    more_keys = random_keys(12, seed=10)
    more_keys[11, :20] = np.arange(5_000, 5_020)  # keys no other photo has
    again.add(type(more)(more.ids, more.pdq, more.phash, more.dhash, more_keys))
    assert again.n_base == 62
    keyed = random_rows(50)  # the same photos and keys again: already there
    assert again.add(type(keyed)(keyed.ids, keyed.pdq, keyed.phash, keyed.dhash, keys)) == 0
    assert again.keypoint_search(more_keys[11, :20], min_votes=20).ids.tolist() == [62]
