"""The whole intake and analysis path on PostgreSQL with originals in S3 (SeaweedFS)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from shelfaudit.analyse.pipeline import sha256_hex
from shelfaudit.domain.enums import FlagCode, MatchKind, PhotoStatus
from shelfaudit.results.read import read_photo
from shelfaudit.runtime import Runtime, build_runtime
from shelfaudit.store.objects import original_key
from shelfaudit.store.tables import PhotoHash
from tests.factories import reencoded_resized
from tests.integration.photos import a_photo, analysis_count, photo_status, store_photo
from tests.integration.servers import S3Server, s3_overrides, settings_on, unique_bucket

pytestmark = [pytest.mark.postgres, pytest.mark.s3]


@pytest.fixture
def runtime(tmp_path: Path, postgres_url: str, s3_server: S3Server) -> Iterator[Runtime]:
    """PostgreSQL (migrated here, as ``shelfaudit db upgrade`` would) and a fresh bucket."""
    settings = settings_on(
        tmp_path, database_url=postgres_url, **s3_overrides(s3_server, unique_bucket())
    )
    rt = build_runtime(settings, upgrade_db=True)
    yield rt
    rt.close()


def test_an_accepted_photo_is_kept_in_the_bucket_and_analysed(
    runtime: Runtime, s3_server: S3Server
) -> None:
    data = a_photo(1)

    photo_id = store_photo(runtime, data)
    assert photo_status(runtime.sessions, photo_id) is PhotoStatus.received
    assert runtime.processor.process(photo_id) is PhotoStatus.analysed

    key = original_key(sha256_hex(data))
    response = s3_server.client().get_object(runtime.settings.s3_bucket, key)
    try:
        assert response.read() == data
    finally:
        response.close()
        response.release_conn()
    with runtime.sessions() as session:
        photo = read_photo(session, photo_id)
        hashes = session.scalar(select(PhotoHash).where(PhotoHash.photo_id == photo_id))
    assert photo.status is PhotoStatus.analysed
    assert photo.sha256 == sha256_hex(data)
    assert [r.checks["decode"]["width"] for r in photo.results] == [photo.width]
    assert hashes is not None
    assert hashes.pdq == photo.results[0].checks["hashes"]["pdq"]


def test_analysing_a_photo_twice_keeps_one_result(runtime: Runtime) -> None:
    photo_id = store_photo(runtime, a_photo(2))

    runtime.processor.process(photo_id)
    runtime.processor.process(photo_id)

    assert analysis_count(runtime.sessions, photo_id) == 1


def test_a_reencoded_resized_copy_is_found_as_a_near_duplicate(runtime: Runtime) -> None:
    original = a_photo(3)
    first = store_photo(runtime, original)
    runtime.processor.process(first)

    copy = store_photo(runtime, reencoded_resized(original, scale=0.8, quality=70))
    runtime.processor.process(copy)

    with runtime.sessions() as session:
        result = read_photo(session, copy).results[0]
    matches = result.checks["duplicates"]["matches"]
    assert {"photo_id": first, "kind": MatchKind.near.value}.items() <= matches[0].items()
    assert FlagCode.near_duplicate in {flag["code"] for flag in result.flags}


def test_the_same_bytes_again_are_an_exact_duplicate(runtime: Runtime) -> None:
    data = a_photo(4)
    first = store_photo(runtime, data)
    runtime.processor.process(first)

    again = store_photo(runtime, data)
    runtime.processor.process(again)

    with runtime.sessions() as session:
        matches = read_photo(session, again).results[0].checks["duplicates"]["matches"]
    assert [(m["photo_id"], m["kind"]) for m in matches] == [(first, MatchKind.exact.value)]
