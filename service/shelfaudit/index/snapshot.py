"""The hash index on disk: one folder of ``.npy`` arrays per snapshot, ``current`` -> newest.

Rows are read into memory on load (they grow as photos arrive); the chunk tables stay
memory-mapped, shared by the processes of one host, until the first fold replaces them. A
snapshot is written to a fresh folder and published by replacing the ``current``
symlink (atomic), so a reader never sees half a snapshot. Only one process saves at a
time (an advisory ``flock``); the others skip, since the database is the truth anyway.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from shelfaudit.index.hash_index import Frozen, HashIndex, HashRows
from shelfaudit.index.keypoint_postings import KeypointPostings
from shelfaudit.index.mih import LAYOUTS, MultiIndexHash

log = logging.getLogger(__name__)

# 2: keypoint postings (``kp_offsets``, ``kp_rows``; empty when no row has keys) and which
# rows have keys (``keyed``)
# 3: the index of what lies inside photos' flat bars, the same arrays in ``inside/``
FORMAT = 3
KEEP_SNAPSHOTS = 2
_ARRAYS = (
    "ids",
    "pdq",
    "phash",
    "dhash",
    "dead",
    "order",
    "offsets",
    "kp_offsets",
    "kp_rows",
    "keyed",
)


@dataclass(frozen=True)
class SnapshotMeta:
    """What a snapshot covers: every feed row with ``seq <= watermark`` except ``gaps``
    (sequence numbers not yet committed when it was read, with the wall time first seen)."""

    hashes_version: str
    watermark: int
    gaps: dict[int, float] = field(default_factory=dict)
    # The feed row at ``watermark``: which photo, and its PDQ. A database restored from a
    # backup (or another database) answers differently there, and the snapshot is refused.
    watermark_photo_id: int = 0
    watermark_pdq: str = ""
    layout: str = ""
    n_rows: int = 0
    n_base: int = 0
    format: int = FORMAT
    saved_at: float = 0.0
    inside_layout: str = ""
    inside_rows: int = 0
    inside_base: int = 0


class Loaded(NamedTuple):
    main: HashIndex
    meta: SnapshotMeta
    inside: HashIndex  # the hashes of what lies inside photos' flat bars


@contextmanager
def _exclusive(root: Path) -> Iterator[bool]:
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".save.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save(
    index: Frozen, root: Path, meta: SnapshotMeta, inside: Frozen | None = None
) -> Path | None:
    """Write ``index`` (and the ``inside`` index, when given) as the new current snapshot;
    None when another process is saving."""
    with _exclusive(root) as mine:
        if not mine:
            return None
        started = time.perf_counter()
        snapshots = root / "snapshots"
        folder = snapshots / f"{time.time_ns()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        folder.mkdir(parents=True)
        _write(index, folder)
        if inside is not None:
            (folder / "inside").mkdir()
            _write(inside, folder / "inside")
        final = SnapshotMeta(
            hashes_version=meta.hashes_version,
            watermark=meta.watermark,
            gaps=meta.gaps,
            watermark_photo_id=meta.watermark_photo_id,
            watermark_pdq=meta.watermark_pdq,
            layout=index.tables.layout.name,
            n_rows=len(index.rows),
            n_base=index.tables.n,
            saved_at=time.time(),
            inside_layout=inside.tables.layout.name if inside else "",
            inside_rows=len(inside.rows) if inside else 0,
            inside_base=inside.tables.n if inside else 0,
        )
        (folder / "meta.json").write_text(json.dumps(asdict(final)))
        link = root / f".current-{uuid.uuid4().hex[:6]}"
        link.symlink_to(folder.relative_to(root))
        os.replace(link, root / "current")
        _prune(snapshots, keep=folder)
        log.info(
            "hash index snapshot: %d rows (%d inside bars) to %s in %.1f s",
            len(index.rows),
            final.inside_rows,
            folder,
            time.perf_counter() - started,
        )
        return folder


def _write(index: Frozen, folder: Path) -> None:
    rows, tables = index.rows, index.tables
    arrays = {
        "ids": rows.ids,
        "pdq": rows.pdq,
        "phash": rows.phash,
        "dhash": rows.dhash,
        "dead": index.dead,
        "order": tables.order,
        "offsets": tables.offsets,
        "kp_offsets": index.keypoints[0] if index.keypoints else np.zeros(0, np.int64),
        "kp_rows": index.keypoints[1] if index.keypoints else np.zeros(0, np.uint32),
        "keyed": index.keyed if index.keyed is not None else np.zeros(len(rows), np.bool_),
    }
    for name, array in arrays.items():
        np.save(folder / f"{name}.npy", np.ascontiguousarray(array))


def _prune(snapshots: Path, *, keep: Path) -> None:
    # Keep the newest few: a process that resolved an older ``current`` a moment ago may
    # still be opening its files (mapped files stay readable after deletion anyway).
    folders = sorted((p for p in snapshots.iterdir() if p.is_dir()), key=lambda p: p.name)
    for old in folders[:-KEEP_SNAPSHOTS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def load(root: Path, *, radius: int, tail_max: int) -> Loaded | None:
    """The current snapshot; None when there is none or it is unreadable."""
    current = root / "current"
    if not current.exists():
        return None
    folder = current.resolve()
    try:
        raw = json.loads((folder / "meta.json").read_text())
        raw["gaps"] = {int(k): float(v) for k, v in raw.get("gaps", {}).items()}
        meta = SnapshotMeta(**raw)
        if meta.format != FORMAT or meta.layout not in LAYOUTS:
            log.warning("hash index snapshot %s has an unknown format; ignoring it", folder)
            return None
        index = _read(folder, meta.layout, meta.n_rows, meta.n_base, radius, tail_max)
        inside = HashIndex(radius=radius, tail_max=tail_max)
        if meta.inside_layout:
            inside = _read(
                folder / "inside",
                meta.inside_layout,
                meta.inside_rows,
                meta.inside_base,
                radius,
                tail_max,
            )
    except (OSError, ValueError, TypeError, KeyError) as exc:
        log.warning("cannot read hash index snapshot %s (%s); rebuilding", folder, exc)
        return None
    return Loaded(index, meta, inside)


def _read(
    folder: Path, layout: str, n_rows: int, n_base: int, radius: int, tail_max: int
) -> HashIndex:
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in _ARRAYS}
    tables = MultiIndexHash(LAYOUTS[layout], n_base, arrays["order"], arrays["offsets"])
    rows = HashRows(
        ids=arrays["ids"][:n_rows],
        pdq=arrays["pdq"][:n_rows],
        phash=arrays["phash"][:n_rows],
        dhash=arrays["dhash"][:n_rows],
    )
    keypoints = KeypointPostings(n_base=n_base)
    if arrays["kp_offsets"].size:
        # Mapped like the chunk tables: a fold makes new arrays, never writes into them.
        keypoints = KeypointPostings(
            n_base=n_base,
            offsets=np.asarray(arrays["kp_offsets"], np.int64),
            rows=np.asarray(arrays["kp_rows"], np.uint32),
        )
    return HashIndex(
        radius=radius,
        tail_max=tail_max,
        rows=rows,
        dead=arrays["dead"][:n_rows],
        tables=tables,
        keypoints=keypoints,
        keyed=arrays["keyed"][:n_rows],
    )
