"""Inside-bars hashes for photos hashed before they were kept: backfilled, then a screenshot
of a letterboxed photo is found by hashes."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image
from sqlalchemy import select, update
from typer.testing import CliRunner

from shelfaudit.cli.main import app
from shelfaudit.results.inside_backfill import backfill_inside
from shelfaudit.runtime import build_runtime
from shelfaudit.store.tables import Photo, PhotoHash
from tests.conftest import embedded_settings
from tests.factories import real_photos, shelf_photos
from tests.unit.index.test_processor_duplicates import jpeg, matches, submit


def letterboxed(image: Image.Image) -> Image.Image:
    side = max(image.size)
    boxed = Image.new("RGB", (side, side), (0, 0, 0))
    boxed.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
    return boxed


def screenshot_of(image: Image.Image) -> Image.Image:
    screen = Image.new("RGB", (image.width, round(image.width * 19.5 / 9)), (0, 0, 0))
    screen.paste(image, (0, screen.height // 4))
    return screen


def test_old_photos_are_checked_for_bars_and_their_screenshots_found(tmp_path: Path) -> None:
    settings = embedded_settings(tmp_path / "data", dup_verify_recent=0, dup_verify_latest=0)
    runtime = build_runtime(settings, upgrade_db=True)
    try:
        boxed = letterboxed(Image.open(real_photos()[5]).convert("RGB"))
        first = submit(runtime, jpeg(boxed))
        plain = submit(runtime, shelf_photos(1)[0].read_bytes())
        gone = submit(runtime, shelf_photos(2)[1].read_bytes())
        with runtime.sessions.begin() as session:  # as if hashed before the inside rows
            session.execute(
                update(PhotoHash).values(inside_pdq=None, inside_phash=None, inside_dhash=None)
            )
            key = session.scalar(select(Photo.object_key).where(Photo.id == gone))
        assert key is not None
        (settings.objects_dir / key).unlink()  # an original lost since
    finally:
        runtime.close()

    runtime = build_runtime(settings)  # a fresh process: its index has no inside rows
    try:
        early = matches(runtime, submit(runtime, jpeg(screenshot_of(boxed))))
        assert not any(m["stage"] == "hash" for m in early)

        report = backfill_inside(runtime.sessions, runtime.processor.hash_cache, batch=2)
        assert (report.checked, report.with_bars, report.without_original) == (2, 1, 1)
        assert report.remaining == 1  # the photo whose original is gone
        with runtime.sessions() as session:
            rows = {r.photo_id: r for r in session.scalars(select(PhotoHash))}
        assert rows[first].inside_pdq
        assert rows[plain].inside_pdq == ""

        found = matches(runtime, submit(runtime, jpeg(screenshot_of(boxed), quality=70)))
        by_hash = [(m["photo_id"], m["variant"]) for m in found if m["stage"] == "hash"]
        assert (first, "inside_bars_both") in by_hash
        again = backfill_inside(runtime.sessions, runtime.processor.hash_cache)
        assert (again.checked, again.without_original, again.remaining) == (0, 1, 1)
    finally:
        runtime.close()


def test_the_inside_backfill_command_reports_what_it_did(tmp_path: Path) -> None:
    settings = embedded_settings(tmp_path / "data")
    runtime = build_runtime(settings, upgrade_db=True)
    try:
        submit(runtime, shelf_photos(1)[0].read_bytes())
        with runtime.sessions.begin() as session:
            session.execute(update(PhotoHash).values(inside_pdq=None))
    finally:
        runtime.close()
    result = CliRunner().invoke(
        app, ["db", "backfill-inside"], env={"SHELFAUDIT_DATA_DIR": str(settings.data_dir)}
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1]) == {
        "checked": 1,
        "with_bars": 0,
        "without_original": 0,
        "remaining": 0,
    }
