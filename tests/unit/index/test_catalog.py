"""The index catches up from the database feed, whatever order saves commit in."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import delete, func, select

from shelfaudit.index.catalog import CatalogConfig, IndexedHashes, inside_rows_from_db
from shelfaudit.results.hash_lookup import to_signed64
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import Photo, PhotoHash, PhotoHashFeed, utcnow
from tests.unit.index.factories import query_for, random_rows


def add_photos(
    runtime: Runtime, n: int, *, seed: int, keys: list[bytes | None] | None = None
) -> list[int]:
    """Photos with random hashes (and the given keypoint keys), their hash rows, but no
    feed rows yet."""
    rows = random_rows(n, seed=seed)
    keys = keys or [None] * n
    now = utcnow()
    with runtime.sessions.begin() as session:
        photos = [
            Photo(
                sha256=f"{seed:08x}{i:056x}",
                object_key=f"k/{seed}/{i}",
                size_bytes=1,
                format="JPEG",
                width=10,
                height=10,
                status="analysed",
                received_at=now,
                updated_at=now,
            )
            for i in range(n)
        ]
        session.add_all(photos)
        session.flush()
        columns = zip(photos, rows.pdq, rows.phash, rows.dhash, keys, strict=True)
        for photo, pdq, ph, dh, orb_keys in columns:
            session.add(
                PhotoHash(
                    photo_id=photo.id,
                    sha256=photo.sha256,
                    phash=to_signed64(int(ph)),
                    dhash=to_signed64(int(dh)),
                    pdq="".join(f"{int(w):016x}" for w in pdq),
                    pdq_quality=100,
                    orb_keys=orb_keys,
                )
            )
        return [p.id for p in photos]


def feed(runtime: Runtime, photo_ids: list[int], *, seqs: list[int] | None = None) -> None:
    with runtime.sessions.begin() as session:
        for k, photo_id in enumerate(photo_ids):
            row = PhotoHashFeed(photo_id=photo_id)
            if seqs is not None:
                row.seq = seqs[k]
            session.add(row)


def catalog(root: Path | None = None, **overrides: object) -> IndexedHashes:
    return IndexedHashes(CatalogConfig(radius=31, root=root, hashes_version="h", **overrides))  # type: ignore[arg-type]


def test_the_index_is_built_from_the_feed(runtime: Runtime) -> None:
    ids = add_photos(runtime, 20, seed=1)
    feed(runtime, ids)
    hashes = catalog()
    with runtime.sessions() as session:
        index = hashes.index(session)
    assert sorted(index.rows().ids.tolist()) == ids
    assert hashes.watermark == 20


def test_photos_saved_later_are_caught_up(runtime: Runtime) -> None:
    first = add_photos(runtime, 5, seed=2)
    feed(runtime, first)
    hashes = catalog()
    with runtime.sessions() as session:
        hashes.index(session)
    later = add_photos(runtime, 3, seed=3)
    feed(runtime, later)
    with runtime.sessions() as session:
        assert sorted(hashes.index(session).rows().ids.tolist()) == first + later


def test_a_save_that_commits_out_of_order_is_not_lost(runtime: Runtime) -> None:
    ids = add_photos(runtime, 3, seed=4)
    feed(runtime, [ids[0]], seqs=[1])
    feed(runtime, [ids[2]], seqs=[3])  # seq 2 is still being written elsewhere
    hashes = catalog()
    with runtime.sessions() as session:
        assert sorted(hashes.index(session).rows().ids.tolist()) == [ids[0], ids[2]]
    assert list(hashes.gaps) == [2]
    feed(runtime, [ids[1]], seqs=[2])  # ... and commits now
    with runtime.sessions() as session:
        assert sorted(hashes.index(session).rows().ids.tolist()) == ids
    assert hashes.gaps == {}


def test_gaps_are_forgotten_after_their_timeout(runtime: Runtime) -> None:
    ids = add_photos(runtime, 2, seed=5)
    feed(runtime, ids, seqs=[1, 3])
    hashes = catalog(gap_timeout_s=0.0)
    with runtime.sessions() as session:
        hashes.index(session)
        hashes.catch_up(session)
    assert hashes.gaps == {}


def test_a_restart_loads_the_snapshot_then_catches_up(runtime: Runtime, tmp_path: Path) -> None:
    first = add_photos(runtime, 10, seed=6)
    feed(runtime, first)
    hashes = catalog(tmp_path)
    with runtime.sessions() as session:
        hashes.index(session)
    assert hashes.save() is not None
    later = add_photos(runtime, 4, seed=7)
    feed(runtime, later)

    restarted = catalog(tmp_path)
    with runtime.sessions() as session:
        index = restarted.index(session)
    assert sorted(index.rows().ids.tolist()) == first + later
    assert restarted.watermark == 14


def test_a_snapshot_of_another_hash_version_is_rebuilt(runtime: Runtime, tmp_path: Path) -> None:
    ids = add_photos(runtime, 4, seed=8)
    feed(runtime, ids)
    old = IndexedHashes(CatalogConfig(radius=31, root=tmp_path, hashes_version="old"))
    with runtime.sessions() as session:
        old.index(session)
    old.save()
    new = catalog(tmp_path)
    with runtime.sessions() as session:
        assert len(new.index(session)) == 4
    assert new.watermark == 4


def restore_older_backup(runtime: Runtime, lost: list[int]) -> None:
    """The database as a backup taken before ``lost`` were sent: their rows are gone."""
    with runtime.sessions.begin() as session:
        for table in (PhotoHashFeed, PhotoHash):
            session.execute(delete(table).where(table.photo_id.in_(lost)))
        session.execute(delete(Photo).where(Photo.id.in_(lost)))


def snapshot_then_restore(runtime: Runtime, root: Path, *, seed: int) -> list[int]:
    """Ten photos indexed and snapshotted, then a backup from before the last six restored."""
    ids = add_photos(runtime, 10, seed=seed)
    feed(runtime, ids)
    hashes = catalog(root)
    with runtime.sessions() as session:
        hashes.index(session)
    assert hashes.save() is not None
    restore_older_backup(runtime, ids[4:])
    return ids


def test_a_snapshot_ahead_of_a_restored_database_is_rebuilt(
    runtime: Runtime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ids = snapshot_then_restore(runtime, tmp_path, seed=30)

    restarted = catalog(tmp_path)
    with runtime.sessions() as session:
        index = restarted.index(session)

    assert sorted(index.rows().ids.tolist()) == ids[:4]  # no photo the database lost
    assert "does not match the database" in caplog.text


def test_photos_sent_after_a_restore_are_found_though_they_reuse_feed_numbers(
    runtime: Runtime, tmp_path: Path
) -> None:
    ids = snapshot_then_restore(runtime, tmp_path, seed=31)
    # PostgreSQL restores the sequence too: the next saves are numbered 5, 6, ... again.
    sent_since = add_photos(runtime, 8, seed=32)
    feed(runtime, sent_since, seqs=list(range(5, 13)))

    restarted = catalog(tmp_path)
    with runtime.sessions() as session:
        index = restarted.index(session)

    assert sorted(index.rows().ids.tolist()) == ids[:4] + sent_since
    assert restarted.watermark == 12
    # SQLite reuses the lost photos' ids too: each is found by its own hashes, not theirs.
    for photo_id, pdq in zip(sent_since, random_rows(8, seed=32).pdq, strict=True):
        assert index.search(query_for(pdq)).ids.tolist() == [photo_id]


def test_a_photo_analysed_twice_is_indexed_once(runtime: Runtime) -> None:
    ids = add_photos(runtime, 2, seed=9)
    feed(runtime, ids + ids)
    hashes = catalog()
    with runtime.sessions() as session:
        index = hashes.index(session)
        fed = session.scalar(select(func.count()).select_from(PhotoHashFeed))
    assert fed == 4
    assert len(index) == 2
    assert np.array_equal(np.sort(index.rows().ids), np.array(ids))


def test_a_snapshot_is_saved_in_the_background_once_enough_rows_came(
    runtime: Runtime, tmp_path: Path
) -> None:
    ids = add_photos(runtime, 6, seed=10)
    feed(runtime, ids)
    hashes = catalog(tmp_path, save_every=5, save_from_rows=5)
    with runtime.sessions() as session:
        hashes.index(session)
    hashes.wait_for_save(timeout=30)
    assert (tmp_path / "current" / "meta.json").exists()


def test_a_small_index_is_not_saved(runtime: Runtime, tmp_path: Path) -> None:
    ids = add_photos(runtime, 3, seed=11)
    feed(runtime, ids)
    hashes = catalog(tmp_path)
    with runtime.sessions() as session:
        hashes.index(session)
    hashes.wait_for_save(timeout=30)
    assert not (tmp_path / "current").exists()


def test_keypoint_keys_are_indexed_from_the_feed_and_the_snapshot(
    runtime: Runtime, tmp_path: Path
) -> None:
    first = add_photos(
        runtime, 3, seed=11, keys=[np.arange(10, dtype="<u4").tobytes(), None, b"bad"]
    )
    feed(runtime, first)
    hashes = catalog(tmp_path)
    with runtime.sessions() as session:
        index = hashes.index(session)
    query = np.arange(10, dtype=np.uint32)
    assert index.keypoint_search(query).ids.tolist() == [first[0]]
    assert len(index) == 3  # the damaged keys leave the hashes indexed
    assert hashes.save() is not None
    later = add_photos(runtime, 1, seed=12, keys=[np.arange(5, 15, dtype="<u4").tobytes()])
    feed(runtime, later)

    restarted = catalog(tmp_path)
    with runtime.sessions() as session:
        found = restarted.index(session).keypoint_search(query)
    assert found.ids.tolist() == [first[0], later[0]]
    assert found.votes.tolist() == [10, 5]


def set_inside(runtime: Runtime, photo_id: int, pdq: np.ndarray | None) -> None:
    """Give a photo's hash row inside-bars hashes (None: it has no bars)."""
    with runtime.sessions.begin() as session:
        row = session.get(PhotoHash, photo_id)
        assert row is not None
        row.inside_pdq = None if pdq is None else "".join(f"{int(w):016x}" for w in pdq)
        row.inside_phash = None if pdq is None else 7
        row.inside_dhash = None if pdq is None else -7


def test_inside_bars_hashes_are_indexed_and_dropped_when_a_photo_loses_them(
    runtime: Runtime, tmp_path: Path
) -> None:
    ids = add_photos(runtime, 4, seed=13)
    inner = random_rows(2, seed=14).pdq
    set_inside(runtime, ids[1], inner[0])
    set_inside(runtime, ids[3], inner[1])
    feed(runtime, ids)
    hashes = catalog(tmp_path)
    with runtime.sessions() as session:
        index = hashes.index(session)
    assert len(index) == 4
    assert hashes.inside.search(query_for(inner[0])).ids.tolist() == [ids[1]]
    assert hashes.inside.search(query_for(inner[1])).ids.tolist() == [ids[3]]
    assert hashes.save() is not None

    set_inside(runtime, ids[3], None)  # analysed again, under rules that see no bars
    feed(runtime, [ids[3]])
    restarted = catalog(tmp_path)
    with runtime.sessions() as session:
        restarted.index(session)
    assert restarted.inside.search(query_for(inner[0])).ids.tolist() == [ids[1]]
    assert restarted.inside.search(query_for(inner[1])).ids.tolist() == []
    assert restarted.inside.live == 1


def test_a_photo_saved_with_and_then_without_bars_in_one_batch_counts_as_its_last_save() -> None:
    pdq = "ab" * 32
    rows, plain = inside_rows_from_db(
        [(1, 5, 6, pdq), (2, None, None, None), (1, None, None, None)]
    )
    assert len(rows) == 0
    assert sorted(plain.tolist()) == [1, 2]
    rows, plain = inside_rows_from_db([(1, None, None, ""), (1, 5, 6, pdq)])
    assert (rows.ids.tolist(), plain.tolist()) == ([1], [])
    assert rows.phash.tolist() == [5]
