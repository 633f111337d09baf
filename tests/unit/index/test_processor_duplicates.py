"""End to end on the embedded defaults: a turned copy and a cropped copy are duplicates."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from shelfaudit.index.keypoint_keys import KEYS_PER_PHOTO
from shelfaudit.runtime import Runtime, build_runtime
from shelfaudit.store.objects import original_key
from shelfaudit.store.tables import Analysis, PhotoHash, Rep, Store
from shelfaudit.upload.intake import accept_photo
from shelfaudit.upload.metadata import VisitMetadata
from tests.conftest import embedded_settings
from tests.factories import real_photos, shelf_photos


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def submit(runtime: Runtime, data: bytes, **meta: Any) -> int:
    photo_id = accept_photo(
        sessions=runtime.sessions,
        objects=runtime.objects,
        settings=runtime.settings,
        data=data,
        meta=VisitMetadata(**meta),
    ).photo.id
    runtime.processor.process(photo_id)
    return photo_id


def matches(runtime: Runtime, photo_id: int) -> list[dict[str, Any]]:
    with runtime.sessions() as session:
        analysis = session.scalar(select(Analysis).where(Analysis.photo_id == photo_id))
    assert analysis is not None
    found: list[dict[str, Any]] = analysis.checks["duplicates"]["matches"]
    return found


def test_a_turned_and_a_cropped_copy_are_found(runtime: Runtime) -> None:
    with runtime.sessions.begin() as session:
        session.add_all([Store(id="s1", name="Store 1"), Rep(id="r1", name="Rep 1")])
    path = real_photos()[5]
    image = Image.open(path).convert("RGB")
    w, h = image.size
    first = submit(runtime, path.read_bytes(), store_id="s1", rep_id="r1")
    submit(runtime, shelf_photos(1)[0].read_bytes())  # someone else's, in between

    turned = submit(runtime, jpeg(image.transpose(Image.Transpose.ROTATE_90)), rep_id="r1")
    cropped = submit(runtime, jpeg(image.crop((int(0.15 * w), 0, w, int(0.85 * h)))))

    [by_hash] = matches(runtime, turned)
    assert (by_hash["photo_id"], by_hash["stage"], by_hash["variant"]) == (
        first,
        "hash",
        "rotate_90",
    )
    assert by_hash["pdq_distance"] <= 8
    assert (by_hash["store_id"], by_hash["rep_id"]) == ("s1", "r1")
    found = {m["photo_id"]: m for m in matches(runtime, cropped)}
    assert set(found) == {first, turned}  # the turned copy is the same picture too
    assert found[first]["stage"] == "local_features"
    assert found[first]["inliers"] >= 100
    assert found[first]["received_at"] is not None


def test_features_are_kept_next_to_the_original(runtime: Runtime) -> None:
    from shelfaudit.index.features import features_key, from_bytes

    data = real_photos()[6].read_bytes()
    photo_id = submit(runtime, data)
    with runtime.sessions() as session:
        from shelfaudit.store.tables import Photo

        photo = session.get(Photo, photo_id)
        assert photo is not None
        assert runtime.objects.exists(original_key(photo.sha256))
        stored = from_bytes(runtime.objects.get(features_key(photo.sha256)))
    assert len(stored) > 100


def test_an_identical_file_is_an_exact_match(runtime: Runtime) -> None:
    data = shelf_photos(2)[1].read_bytes()
    first = submit(runtime, data)
    again = accept_photo(
        sessions=runtime.sessions,
        objects=runtime.objects,
        settings=runtime.settings,
        data=data,
        meta=VisitMetadata(),
    ).photo.id
    if again == first:  # intake may deduplicate identical uploads itself
        return
    runtime.processor.process(again)
    [match] = matches(runtime, again)
    assert (match["photo_id"], match["kind"], match["stage"]) == (first, "exact", "sha256")


@pytest.mark.parametrize("keypoints", [4, 0])
def test_a_cropped_and_tilted_copy_from_anyone_is_found_by_keypoints(
    tmp_path: Path, keypoints: int
) -> None:
    """No recent photo of the same store or rep is verified: only the keypoint index can
    propose the source, among other photos (and without it, nothing does)."""
    runtime = build_runtime(
        embedded_settings(
            tmp_path / "data",
            dup_verify_recent=0,
            dup_verify_latest=0,
            dup_verify_keypoint=keypoints,
        ),
        upgrade_db=True,
    )
    try:
        path = real_photos()[5]
        image = Image.open(path).convert("RGB")
        w, h = image.size
        first = submit(runtime, path.read_bytes())
        for other in shelf_photos(3):
            submit(runtime, other.read_bytes())
        tilted = image.rotate(4, Image.Resampling.BICUBIC).crop(
            (int(0.18 * w), int(0.12 * h), int(0.95 * w), int(0.9 * h))
        )
        found = matches(runtime, submit(runtime, jpeg(tilted)))
        with runtime.sessions() as session:
            stored = session.get(PhotoHash, first)
    finally:
        runtime.close()
    assert stored is not None
    assert stored.orb_keys is not None
    assert len(stored.orb_keys) == 4 * KEYS_PER_PHOTO
    if not keypoints:
        assert found == []
        return
    [match] = found
    assert (match["photo_id"], match["stage"]) == (first, "local_features")
    # Its hashes are beyond anything the hash stage proposes: none is reported (-1), or the
    # nearest variant's, far off.
    assert match["pdq_distance"] == -1 or match["pdq_distance"] > 64
    assert match["variant"] == "identity"  # tilted by 4 degrees: no quarter turn


def test_a_screenshot_is_looked_up_with_the_picture_inside_its_bars(tmp_path: Path) -> None:
    """The photo shown small on a tall phone screen: its keypoints are at another scale
    than the source's, so the keypoint postings are also asked with the picture inside the
    bars, brought back to the analysis size."""
    runtime = build_runtime(
        embedded_settings(tmp_path / "data", dup_verify_recent=0, dup_verify_latest=0),
        upgrade_db=True,
    )
    try:
        path = real_photos()[5]
        image = Image.open(path).convert("RGB")
        first = submit(runtime, path.read_bytes())
        for other in shelf_photos(2):
            submit(runtime, other.read_bytes())
        w, h = image.size
        screen = Image.new("RGB", (w, round(w * 19.5 / 9)), (0, 0, 0))
        screen.paste(image.crop((0, 0, w, int(0.9 * h))), (0, screen.height // 3))
        found = matches(runtime, submit(runtime, jpeg(screen)))
    finally:
        runtime.close()
    assert [(m["photo_id"], m["stage"]) for m in found] == [(first, "local_features")]


def test_the_original_sent_after_its_screenshot_finds_the_screenshot(tmp_path: Path) -> None:
    """The other order, with no recent photo verified: the keys kept for the screenshot (its
    strongest keypoints, on the picture inside the bars) are among the original's many
    keys, so the keypoint postings propose it (on 40 heineken photos the original shared a
    median of 16.5 of the screenshot's 96 keys, at least 3 for all)."""
    runtime = build_runtime(
        embedded_settings(tmp_path / "data", dup_verify_recent=0, dup_verify_latest=0),
        upgrade_db=True,
    )
    try:
        path = real_photos()[5]
        image = Image.open(path).convert("RGB")
        w, h = image.size
        screen = Image.new("RGB", (w, round(w * 19.5 / 9)), (0, 0, 0))
        screen.paste(image.crop((0, 0, w, int(0.9 * h))), (0, screen.height // 3))
        first = submit(runtime, jpeg(screen))
        for other in shelf_photos(2):
            submit(runtime, other.read_bytes())
        found = matches(runtime, submit(runtime, path.read_bytes()))
    finally:
        runtime.close()
    assert [(m["photo_id"], m["stage"]) for m in found] == [(first, "local_features")]


def test_a_screenshot_of_a_letterboxed_photo_is_found_by_hashes(tmp_path: Path) -> None:
    """A photo that came with bars of its own (a letterboxed export): its hash row keeps
    the hashes of what lies inside them, which is what a screenshot's trimmed hashes see."""
    runtime = build_runtime(
        embedded_settings(tmp_path / "data", dup_verify_recent=0, dup_verify_latest=0),
        upgrade_db=True,
    )
    try:
        image = Image.open(real_photos()[5]).convert("RGB")
        side = max(image.size)
        boxed = Image.new("RGB", (side, side), (0, 0, 0))
        boxed.paste(image, ((side - image.width) // 2, (side - image.height) // 2))
        first = submit(runtime, jpeg(boxed))
        plain = submit(runtime, shelf_photos(1)[0].read_bytes())
        screen = Image.new("RGB", (side, round(side * 19.5 / 9)), (0, 0, 0))
        screen.paste(boxed, (0, screen.height // 4))
        found = matches(runtime, submit(runtime, jpeg(screen, quality=75)))
        with runtime.sessions() as session:
            rows = {r.photo_id: r for r in session.scalars(select(PhotoHash))}
    finally:
        runtime.close()
    assert rows[first].inside_pdq is not None
    assert rows[plain].inside_pdq == ""  # checked, no bars
    assert [(m["photo_id"], m["stage"], m["variant"]) for m in found] == [
        (first, "hash", "inside_bars_both")
    ]
