from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.errors import NotFound
from shelfaudit.runtime import Runtime
from shelfaudit.store.objects import original_key
from shelfaudit.store.tables import Analysis, Photo, PhotoHash, utcnow
from shelfaudit.upload.intake import accept_photo
from shelfaudit.upload.metadata import VisitMetadata
from tests.factories import jpeg_bytes, real_photos, reencoded_resized


def accept(runtime: Runtime, data: bytes) -> int:
    accepted = accept_photo(
        sessions=runtime.sessions,
        objects=runtime.objects,
        settings=runtime.settings,
        data=data,
        meta=VisitMetadata(),
    )
    return accepted.photo.id


def count(runtime: Runtime, model: type, photo_id: int) -> int:
    with runtime.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(model).where(model.photo_id == photo_id)
            )
        )


def test_original_is_stored_under_its_sha256(runtime: Runtime) -> None:
    data = jpeg_bytes(seed=1)
    photo_id = accept(runtime, data)
    with runtime.sessions() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        assert photo.object_key == original_key(photo.sha256)
        assert photo.status == PhotoStatus.received
    assert runtime.objects.get(photo.object_key) == data


def test_processing_twice_keeps_one_result(runtime: Runtime) -> None:
    photo_id = accept(runtime, jpeg_bytes(seed=2))
    assert runtime.processor.process(photo_id) is PhotoStatus.analysed
    assert runtime.processor.process(photo_id) is PhotoStatus.analysed
    assert count(runtime, Analysis, photo_id) == 1
    assert count(runtime, PhotoHash, photo_id) == 1
    with runtime.sessions() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        assert photo.attempts == 1  # the second call saw the result and did nothing


def test_a_redelivered_task_on_another_pipeline_version_keeps_the_result(
    runtime: Runtime,
) -> None:
    # A worker of another version (a rolling deploy, a rollback) gets the photo's task again:
    # what reviewers and payouts read must not change under them.
    photo_id = accept(runtime, jpeg_bytes(seed=4))
    runtime.processor.process(photo_id)
    with runtime.sessions.begin() as session:
        analysis = session.scalars(select(Analysis).where(Analysis.photo_id == photo_id)).one()
        analysis.pipeline_version = "an-older-pipeline"
    assert runtime.processor.process(photo_id) is PhotoStatus.analysed
    with runtime.sessions() as session:
        versions = session.scalars(
            select(Analysis.pipeline_version).where(Analysis.photo_id == photo_id)
        ).all()
    assert versions == ["an-older-pipeline"]


def test_rerun_after_a_crash_upserts_the_result(runtime: Runtime) -> None:
    photo_id = accept(runtime, jpeg_bytes(seed=3))
    runtime.processor.process(photo_id)
    with runtime.sessions.begin() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        photo.status = PhotoStatus.processing  # as if a worker died after saving
    runtime.processor.process(photo_id)
    assert count(runtime, Analysis, photo_id) == 1


def test_unknown_photo_raises_not_found(runtime: Runtime) -> None:
    with pytest.raises(NotFound):
        runtime.processor.process(12345)


def test_undecodable_stored_object_marks_the_photo_failed(runtime: Runtime) -> None:
    photo_id = accept(runtime, jpeg_bytes(seed=4))
    with runtime.sessions() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        key = photo.object_key
    # Bit rot in storage after intake validated the upload.
    (runtime.settings.objects_dir / key).write_bytes(b"\xff\xd8\xff" + b"\x00" * 100)
    assert runtime.processor.process(photo_id) is PhotoStatus.failed
    with runtime.sessions() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        assert photo.last_error is not None
        assert photo.last_error.startswith("corrupt_image")


def test_duplicates_only_look_at_earlier_photos(runtime: Runtime) -> None:
    original = real_photos()[4].read_bytes()
    first = accept(runtime, original)
    second = accept(runtime, reencoded_resized(original))
    # Analyse the later one first: it still finds the earlier one once that is hashed.
    runtime.processor.process(first)
    runtime.processor.process(second)
    with runtime.sessions() as session:
        later = session.scalar(select(Analysis).where(Analysis.photo_id == second))
        earlier = session.scalar(select(Analysis).where(Analysis.photo_id == first))
    assert later is not None
    assert earlier is not None
    assert [m["photo_id"] for m in later.checks["duplicates"]["matches"]] == [first]
    assert earlier.checks["duplicates"]["matches"] == []


def test_hash_cache_sees_rows_committed_after_it_loaded(runtime: Runtime) -> None:
    a = accept(runtime, jpeg_bytes(seed=5))
    runtime.processor.process(a)
    b = accept(runtime, jpeg_bytes(seed=5, quality=80))
    runtime.processor.process(b)
    with runtime.sessions() as session:
        analysis = session.scalar(select(Analysis).where(Analysis.photo_id == b))
    assert analysis is not None
    assert analysis.checks["duplicates"]["searched"] == 1
    assert analysis.checks["duplicates"]["matches"][0]["photo_id"] == a


def test_received_at_and_updated_at_are_utc(runtime: Runtime) -> None:
    photo_id = accept(runtime, jpeg_bytes(seed=6))
    with runtime.sessions() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        assert photo.received_at.utcoffset() == timedelta(0)
        assert abs(photo.received_at - utcnow()) < timedelta(minutes=1)


def test_a_photo_whose_attempts_all_died_is_given_up(runtime: Runtime) -> None:
    photo_id = accept(runtime, jpeg_bytes(seed=8))
    with runtime.sessions.begin() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        photo.status = PhotoStatus.processing  # held by workers that were killed
        photo.attempts = runtime.settings.max_attempts
    assert runtime.processor.process(photo_id) is PhotoStatus.failed
    with runtime.sessions() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        assert photo.last_error is not None
        assert "gave up" in photo.last_error


def test_a_stored_standard_todays_rules_refuse_leaves_the_photo_analysed_unscored(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    from shelfaudit.store.tables import ActivityStandard
    from tests.seeds import seed_master_data

    seed_master_data(runtime)
    with runtime.sessions.begin() as session:
        session.add(  # as an older release stored it: a brand listed twice
            ActivityStandard(
                activity_id="A1",
                version=1,
                standard_id="s",
                source="id: s\nversion: 1\nname: S\nactivity_brand: heineken\ncriteria:\n"
                "  - {id: a, kind: min_share, brands: [heineken, heineken], min: 0.5}\n",
                created_by="admin",
            )
        )
    photo_id = accept_photo(
        sessions=runtime.sessions,
        objects=runtime.objects,
        settings=runtime.settings,
        data=jpeg_bytes(seed=77),
        meta=VisitMetadata(rep_id="R1", store_id="S1", activity_id="A1"),
    ).photo.id

    assert runtime.processor.process(photo_id) is PhotoStatus.analysed
    with runtime.sessions() as session:
        analysis = session.scalars(select(Analysis).where(Analysis.photo_id == photo_id)).one()
    assert analysis.checks.get("display") is None
    assert "fraud" in analysis.checks
    assert "stored standard no longer loads" in caplog.text
