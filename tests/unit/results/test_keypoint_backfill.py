"""Keys for photos analysed before they were kept: backfilled, then their crops are found."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from sqlalchemy import select, update
from typer.testing import CliRunner

from shelfaudit.cli.main import app
from shelfaudit.index.features import features_key
from shelfaudit.index.keypoint_keys import KEYS_PER_PHOTO
from shelfaudit.results.keypoint_backfill import backfill_keys
from shelfaudit.runtime import build_runtime
from shelfaudit.store.tables import PhotoHash
from tests.conftest import embedded_settings
from tests.factories import real_photos, shelf_photos
from tests.unit.index.test_processor_duplicates import jpeg, matches, submit


def test_old_photos_get_keys_and_their_crops_are_found(tmp_path: Path) -> None:
    settings = embedded_settings(tmp_path / "data", dup_verify_recent=0, dup_verify_latest=0)
    runtime = build_runtime(settings, upgrade_db=True)
    try:
        path = real_photos()[5]
        first = submit(runtime, path.read_bytes())
        other = submit(runtime, shelf_photos(1)[0].read_bytes())
        with runtime.sessions.begin() as session:  # as if analysed before keys were kept
            session.execute(update(PhotoHash).values(orb_keys=None))
            sha = session.scalar(select(PhotoHash.sha256).where(PhotoHash.photo_id == other))
        assert sha is not None
        (settings.objects_dir / features_key(sha)).unlink()  # and its features never kept
    finally:
        runtime.close()

    runtime = build_runtime(settings)  # a fresh process: the index holds no keys
    try:
        image = Image.open(path).convert("RGB")
        w, h = image.size
        cropped = image.crop((int(0.15 * w), int(0.1 * h), int(0.9 * w), h))
        before = submit(runtime, jpeg(cropped))
        assert matches(runtime, before) == []

        report = backfill_keys(runtime.sessions, runtime.processor.hash_cache, batch=1)
        assert (report.keyed, report.without_features, report.remaining) == (2, 0, 0)
        with runtime.sessions() as session:
            stored = session.scalars(select(PhotoHash.orb_keys)).all()
        assert len(stored) == 3
        assert all(k is not None and 0 < len(k) <= 4 * KEYS_PER_PHOTO for k in stored)
        assert runtime.objects.exists(features_key(sha))  # recomputed from the original

        found = matches(runtime, submit(runtime, jpeg(cropped, quality=70)))
        stages = {m["photo_id"]: m["stage"] for m in found}
        assert stages == {first: "local_features", before: "hash"}
        again = backfill_keys(runtime.sessions, runtime.processor.hash_cache)
        assert (again.keyed, again.remaining) == (0, 0)
    finally:
        runtime.close()


def test_the_backfill_command_reports_what_it_did(tmp_path: Path) -> None:
    settings = embedded_settings(tmp_path / "data")
    runtime = build_runtime(settings, upgrade_db=True)
    try:
        submit(runtime, shelf_photos(1)[0].read_bytes())
        with runtime.sessions.begin() as session:
            session.execute(update(PhotoHash).values(orb_keys=None))
    finally:
        runtime.close()
    result = CliRunner().invoke(
        app, ["db", "backfill-keys"], env={"SHELFAUDIT_DATA_DIR": str(settings.data_dir)}
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1]) == {
        "keyed": 1,
        "without_features": 0,
        "remaining": 0,
    }
