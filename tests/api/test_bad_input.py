"""Every bad upload gets a clear 4xx, stores nothing, and leaves the service healthy."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from shelfaudit.settings import Settings
from tests.api.helpers import authorise, create_rep, create_store, upload, wait_analysed
from tests.factories import jpeg_bytes, real_photos


def bomb_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (12000, 12000)).save(buffer, "PNG", optimize=True)  # 144 MP, ~20 kB
    return buffer.getvalue()


def sliver(width: int, height: int, fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 40)).save(buffer, fmt)
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    data = real_photos()[0].read_bytes()
    return data[: len(data) // 3]


BAD_FILES: list[tuple[str, Any, int, str]] = [
    ("zero_bytes", lambda: b"", 400, "empty_file"),
    ("text_named_jpg", lambda: b"this is not an image at all", 415, "unsupported_media_type"),
    ("gif", lambda: b"GIF89a" + b"\x00" * 64, 415, "unsupported_media_type"),
    ("truncated_jpeg", truncated_jpeg, 422, "corrupt_image"),
    ("corrupt_jpeg_header", lambda: b"\xff\xd8\xff\xe0" + b"\x13" * 500, 422, "corrupt_image"),
    ("decompression_bomb", bomb_png, 413, "too_many_pixels"),
    ("one_pixel_png", lambda: sliver(1, 1, "PNG"), 422, "unusable_dimensions"),
    ("one_pixel_high_jpeg", lambda: sliver(4000, 1, "JPEG"), 422, "unusable_dimensions"),
    ("one_pixel_wide_png", lambda: sliver(1, 4000, "PNG"), 422, "unusable_dimensions"),
    ("hundred_to_one_jpeg", lambda: sliver(4000, 40, "JPEG"), 422, "unusable_dimensions"),
]


def objects_stored(settings: Settings) -> list[Path]:
    root = settings.objects_dir
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_still_healthy(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    good = upload(client, jpeg_bytes(1600, 1200, seed=99))
    assert good.status_code == 202
    assert wait_analysed(client, good.json()["photo_id"])["status"] == "analysed"


@pytest.fixture
def ready(client: TestClient) -> TestClient:
    create_store(client)
    create_rep(client)
    return client


@pytest.mark.parametrize(
    ("name", "make", "status", "code"), BAD_FILES, ids=[b[0] for b in BAD_FILES]
)
def test_bad_file_is_refused_and_nothing_is_stored(
    ready: TestClient, settings: Settings, name: str, make: Any, status: int, code: str
) -> None:
    response = upload(ready, make(), filename=f"{name}.jpg")
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert objects_stored(settings) == []
    assert ready.get("/v1/photos").json() == []
    assert_still_healthy(ready)


def test_upload_over_the_size_limit_is_413(tmp_path: Path) -> None:
    from shelfaudit.api.app import create_app
    from tests.conftest import embedded_settings

    settings = embedded_settings(tmp_path / "data", max_upload_bytes=300_000)
    with TestClient(create_app(settings)) as client:
        authorise(client)
        create_store(client)
        create_rep(client)
        response = upload(client, b"\xff\xd8\xff" + b"\x00" * 2_000_000)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        assert objects_stored(settings) == []
        assert_still_healthy(client)


def test_file_just_over_the_limit_inside_the_envelope_is_413(tmp_path: Path) -> None:
    from shelfaudit.api.app import create_app
    from tests.conftest import embedded_settings

    settings = embedded_settings(tmp_path / "data", max_upload_bytes=100_000)
    with TestClient(create_app(settings)) as client:
        authorise(client)
        create_store(client)
        create_rep(client)
        response = upload(client, jpeg_bytes(64, 64) + b"\x00" * 120_000)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"


def test_a_json_body_of_a_million_keys_is_413_at_once(client: TestClient) -> None:
    import json

    body = json.dumps({f"k{i}": 1 for i in range(150_000)} | {"name": "S"}).encode()
    response = client.put(
        "/v1/stores/S9", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "body"
    assert "not a file upload" in response.json()["error"]["message"]
    assert client.get("/healthz").status_code == 200


def test_many_problems_in_one_body_are_named_a_few_at_a_time(client: TestClient) -> None:
    body = {f"k{i}": 1 for i in range(500)} | {"name": "S"}
    response = client.put("/v1/stores/S9", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["message"].endswith("and 480 more problems")
    assert len(error["problems"]) == 20


def future(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


BAD_METADATA: list[tuple[str, dict[str, Any], str]] = [
    ("latitude_200", {"lat": "200"}, "lat"),
    ("longitude_minus_500", {"lon": "-500"}, "lon"),
    ("lat_without_lon", {"lon": None}, "metadata"),
    ("negative_accuracy", {"accuracy_m": "-3"}, "accuracy_m"),
    ("not_a_number", {"lat": "north"}, "lat"),
    ("captured_a_day_ahead", {"captured_at": future(25 * 60)}, "captured_at"),
    ("empty_store", {"store_id": ""}, "store_id"),
    ("blank_rep", {"rep_id": "  "}, "rep_id"),
    ("empty_device", {"device_model": ""}, "device_model"),
    ("captured_in_1999", {"captured_at": "1999-01-01T00:00:00+00:00"}, "captured_at"),
    ("captured_without_timezone", {"captured_at": "2026-05-12T09:30:00"}, "captured_at"),
    ("captured_garbage", {"captured_at": "yesterday"}, "captured_at"),
    ("unknown_store", {"store_id": "NOPE"}, "store_id"),
    ("unknown_rep", {"rep_id": "NOPE"}, "rep_id"),
    ("unknown_activity", {"activity_id": "NOPE"}, "activity_id"),
    ("bad_client_id", {"client_photo_id": "has spaces and / slashes"}, "client_photo_id"),
]


@pytest.mark.parametrize(("name", "meta", "field"), BAD_METADATA, ids=[b[0] for b in BAD_METADATA])
def test_bad_metadata_is_422_naming_the_field(
    ready: TestClient, settings: Settings, name: str, meta: dict[str, Any], field: str
) -> None:
    response = upload(ready, jpeg_bytes(1600, 1200), **meta)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] in ("invalid_metadata", "unknown_reference")
    assert field in f"{error['field']} {error['message']}"
    assert objects_stored(settings) == []
    assert ready.get("/v1/photos").json() == []


def test_small_clock_skew_into_the_future_is_tolerated(ready: TestClient) -> None:
    assert upload(ready, jpeg_bytes(1600, 1200), captured_at=future(2)).status_code == 202


def test_missing_file_is_422(ready: TestClient) -> None:
    response = ready.post("/v1/photos", data={"store_id": "S1"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "file"


def test_master_data_validation(client: TestClient) -> None:
    response = client.put("/v1/stores/S9", json={"name": "x", "lat": 95, "lon": 10})
    assert response.status_code == 422
    response = client.put(
        "/v1/activities/A1",
        json={
            "name": "Heineken stack",
            "valid_from": "2026-06-01T00:00:00Z",
            "valid_to": "2026-05-01T00:00:00Z",
        },
    )
    assert response.status_code == 422
    assert "valid_to" in response.json()["error"]["message"]


@pytest.mark.parametrize(("width", "height"), [(640, 32), (32, 640), (32, 32)])
def test_the_smallest_accepted_photos_are_analysed(
    ready: TestClient, width: int, height: int
) -> None:
    response = upload(ready, sliver(width, height, "JPEG"))
    assert response.status_code == 202, response.text
    assert wait_analysed(ready, response.json()["photo_id"])["status"] == "analysed"
    assert_still_healthy(ready)
