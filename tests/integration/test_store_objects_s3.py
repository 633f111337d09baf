"""S3ObjectStore against a real S3 server (SeaweedFS), credentials enforced."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from shelfaudit.analyse.pipeline import sha256_hex
from shelfaudit.errors import NotFound, TransientError
from shelfaudit.store.objects import S3ObjectStore, make_object_store, original_key
from tests.factories import jpeg_bytes
from tests.integration.photos import a_photo
from tests.integration.servers import S3Server, s3_overrides, settings_on, unique_bucket

pytestmark = pytest.mark.s3


def new_store(s3: S3Server, tmp_path: Path, **overrides: object) -> S3ObjectStore:
    settings = settings_on(tmp_path, **s3_overrides(s3, unique_bucket(), **overrides))
    store = make_object_store(settings)
    assert isinstance(store, S3ObjectStore)
    return store


def test_a_real_photo_round_trips_byte_identical(s3_server: S3Server, tmp_path: Path) -> None:
    store = new_store(s3_server, tmp_path)
    data = a_photo(0)
    key = original_key(sha256_hex(data))

    assert not store.exists(key)
    store.put(key, data, "image/jpeg")

    assert store.exists(key)
    assert store.get(key) == data
    stat = s3_server.client().stat_object(store.bucket, key)
    assert stat.size == len(data)
    assert stat.content_type == "image/jpeg"


def test_putting_the_same_object_twice_is_harmless(s3_server: S3Server, tmp_path: Path) -> None:
    store = new_store(s3_server, tmp_path)
    data = jpeg_bytes(320, 240, seed=1)
    key = original_key(sha256_hex(data))

    store.put(key, data, "image/jpeg")
    store.put(key, data, "image/jpeg")

    assert store.get(key) == data
    listed = list(
        s3_server.client().list_objects(store.bucket, prefix="originals/", recursive=True)
    )
    assert [obj.object_name for obj in listed] == [key]


def test_getting_a_missing_key_raises_not_found(s3_server: S3Server, tmp_path: Path) -> None:
    store = new_store(s3_server, tmp_path)
    key = original_key("0" * 64)

    assert not store.exists(key)
    with pytest.raises(NotFound, match=key):
        store.get(key)


def test_wrong_credentials_fail_fast_with_a_clear_error(
    s3_server: S3Server, tmp_path: Path
) -> None:
    started = time.monotonic()
    with pytest.raises(TransientError, match=r"SignatureDoesNotMatch|InvalidAccessKeyId"):
        new_store(s3_server, tmp_path, s3_secret_key="not-the-secret")
    assert time.monotonic() - started < 10


def test_wrong_credentials_fail_reads_and_writes_too(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = new_store(s3_server, tmp_path).bucket
    intruder = S3ObjectStore(s3_server.client(secret_key="not-the-secret"), bucket)
    key = original_key("1" * 64)

    with pytest.raises(TransientError, match=r"SignatureDoesNotMatch|InvalidAccessKeyId"):
        intruder.put(key, b"data", "image/jpeg")
    with pytest.raises(TransientError, match=r"SignatureDoesNotMatch|InvalidAccessKeyId"):
        intruder.get(key)


def test_the_bucket_is_created_on_start(s3_server: S3Server, tmp_path: Path) -> None:
    bucket = unique_bucket()
    settings = settings_on(tmp_path, **s3_overrides(s3_server, bucket))
    assert not s3_server.client().bucket_exists(bucket)

    make_object_store(settings)
    make_object_store(settings)  # a second start finds it and is fine with that

    assert s3_server.client().bucket_exists(bucket)
