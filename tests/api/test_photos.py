from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from shelfaudit.store.tables import Photo, utcnow
from tests.api.helpers import create_rep, create_store, runtime_of, upload, visit, wait_analysed
from tests.factories import jpeg_bytes, real_photos, reencoded_resized


def setup_master_data(client: TestClient) -> None:
    create_store(client)
    create_rep(client)


def test_upload_is_accepted_stored_and_analysed(client: TestClient, tmp_path: Path) -> None:
    setup_master_data(client)
    data = real_photos()[0].read_bytes()

    response = upload(client, data, client_photo_id="app-1")

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status_url"] == f"/v1/photos/{body['photo_id']}"
    photo = wait_analysed(client, body["photo_id"])
    assert photo["status"] == "analysed"
    assert photo["store_id"] == "S1"
    assert photo["rep_id"] == "R1"
    checks = photo["results"][0]["checks"]
    assert set(checks) == {
        "decode",
        "quality",
        "exif",
        "hashes",
        "duplicates",
        "metadata",
        "fraud",
        "detections",
        "recapture",
        "skus",
        "display",
    }
    assert checks["display"] is None  # the photo names no activity with a display standard
    # The shipped registry (models/registry.json) decides which model checks run.
    assert checks["recapture"]["verdict"] == "genuine"
    assert checks["exif"]["make"] == "SAMSUNG"
    assert checks["quality"]["passed"]
    assert all(c["ms"] >= 0 and c["version"] for c in checks.values() if c is not None)
    # A 2017 photo sent as taken 5 minutes ago, from a different phone than the app's.
    fraud = checks["fraud"]
    assert fraud["verdict"] == "review"
    assert {r["code"] for r in fraud["reasons"]} == {
        "capture_time_mismatch",
        "device_mismatch",
        "late_upload",  # by the camera's own clock, years ago
    }
    assert checks["metadata"]["facts"]["distance_to_store_m"] < 50
    original = client.get(f"/v1/photos/{body['photo_id']}/original")
    assert original.content == data


def test_resending_the_client_photo_id_returns_the_original(client: TestClient) -> None:
    setup_master_data(client)
    data = real_photos()[1].read_bytes()
    sent = visit(client_photo_id="visit-42-photo-1")
    first = upload(client, data, **sent)
    again = upload(client, data, **sent)
    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json()["photo_id"] == first.json()["photo_id"]
    assert again.json()["replayed"] is True
    assert len(client.get("/v1/photos").json()) == 1


def test_resending_a_photo_whose_analysis_failed_tries_it_again(client: TestClient) -> None:
    setup_master_data(client)
    data = real_photos()[1].read_bytes()
    sent = visit(client_photo_id="visit-43-photo-1")
    photo_id = upload(client, data, **sent).json()["photo_id"]
    wait_analysed(client, photo_id)

    def failed(minutes_ago: float) -> None:
        with runtime_of(client).sessions.begin() as session:
            photo = session.get_one(Photo, photo_id)
            photo.status, photo.last_error = "failed", "ModelIntegrityError: outlet"
            photo.updated_at = utcnow() - timedelta(minutes=minutes_ago)

    failed(minutes_ago=1)
    too_soon = upload(client, data, **sent)
    assert (too_soon.status_code, too_soon.json()["status"]) == (200, "failed")

    failed(minutes_ago=20)
    again = upload(client, data, **sent)
    assert (again.status_code, again.json()["status"]) == (202, "received")
    assert again.json()["replayed"] is True
    assert wait_analysed(client, photo_id)["status"] == "analysed"


def test_a_new_photo_under_a_used_client_photo_id_is_refused(client: TestClient) -> None:
    setup_master_data(client)
    create_store(client, store_id="S2")
    first_photo, second_photo = (p.read_bytes() for p in real_photos()[:2])
    sent = visit(client_photo_id="visit-7-photo-1")
    first = upload(client, first_photo, **sent)
    assert first.status_code == 202

    other_file = upload(client, second_photo, **sent)
    other_store = upload(client, first_photo, **{**sent, "store_id": "S2"})

    assert other_file.status_code == 409, other_file.text
    error = other_file.json()["error"]
    assert error["field"] == "client_photo_id"
    assert "different file;" in error["message"]
    assert other_store.status_code == 409
    assert "different store_id;" in other_store.json()["error"]["message"]
    assert len(client.get("/v1/photos").json()) == 1


def test_near_duplicate_resubmission_is_flagged_with_the_earlier_photo(client: TestClient) -> None:
    setup_master_data(client)
    original = real_photos()[2].read_bytes()
    first = upload(client, original).json()["photo_id"]
    wait_analysed(client, first)

    second = upload(client, reencoded_resized(original, scale=0.8, quality=70)).json()["photo_id"]
    photo = wait_analysed(client, second)

    matches = photo["results"][0]["checks"]["duplicates"]["matches"]
    assert [m["photo_id"] for m in matches] == [first]
    assert matches[0]["kind"] == "near"
    assert matches[0]["store_id"] == "S1"
    assert "near_duplicate" in [f["code"] for f in photo["results"][0]["flags"]]


def test_exact_resubmission_is_an_exact_duplicate(client: TestClient) -> None:
    setup_master_data(client)
    data = real_photos()[3].read_bytes()
    first = upload(client, data).json()["photo_id"]
    wait_analysed(client, first)
    second = upload(client, data).json()["photo_id"]
    photo = wait_analysed(client, second)
    assert second != first
    assert photo["results"][0]["checks"]["duplicates"]["matches"][0]["kind"] == "exact"
    assert photo["results"][0]["flags"][0]["code"] == "exact_duplicate"


def heic_copy(data: bytes, *, long_side: int = 1600) -> bytes:
    """The photo as an iPhone would send it (HEIC), smaller so that it encodes quickly."""
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    image.thumbnail((long_side, long_side))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "HEIF", quality=75, exif=exif.tobytes())
    return buffer.getvalue()


def test_a_heic_photo_is_accepted_analysed_and_shown(client: TestClient) -> None:
    setup_master_data(client)
    jpeg = real_photos()[4].read_bytes()
    heic = heic_copy(jpeg)
    response = upload(client, heic, filename="IMG_0001.HEIC", content_type="image/heic")
    assert response.status_code == 202, response.text
    photo = wait_analysed(client, response.json()["photo_id"])
    checks = photo["results"][0]["checks"]
    assert checks["decode"]["format"] == "HEIF"
    assert checks["exif"]["make"] == Image.open(io.BytesIO(jpeg)).getexif()[0x010F].strip("\x00")
    assert checks["recapture"]["verdict"] == "genuine"
    original = client.get(f"/v1/photos/{photo['id']}/original")
    assert (original.content, original.headers["content-type"]) == (heic, "image/heic")
    # The same picture sent again as the camera's JPEG is the same photo.
    again = wait_analysed(client, upload(client, jpeg).json()["photo_id"])
    matches = again["results"][0]["checks"]["duplicates"]["matches"]
    assert [m["photo_id"] for m in matches] == [photo["id"]]


def test_unknown_photo_is_404(client: TestClient) -> None:
    response = client.get("/v1/photos/999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_list_photos_filters_by_store(client: TestClient) -> None:
    setup_master_data(client)
    create_store(client, "S2")
    upload(client, real_photos()[0].read_bytes())
    upload(client, real_photos()[1].read_bytes(), store_id="S2")
    photos = client.get("/v1/photos", params={"store_id": "S2"}).json()
    assert [p["store_id"] for p in photos] == ["S2"]


def test_openapi_documents_the_upload(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    upload = spec["paths"]["/v1/photos"]["post"]
    assert {"200", "202", "409", "413", "415", "503"} <= upload["responses"].keys()
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert {"apiKey": []} in spec["security"]
    assert spec["paths"]["/healthz"]["get"]["security"] == []


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_api_reference_pages_load_everything_from_this_server(
    client: TestClient, page: str
) -> None:
    html = client.get(page).text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert asset.startswith("/"), f"{page} loads {asset} from elsewhere"
        assert client.get(asset).status_code == 200, asset


def test_openapi_gives_every_error_answer_the_error_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    error = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert {"401", "404", "422"} <= answers.keys(), (method, path)
            for status, answer in answers.items():
                if status.startswith(("4", "5")):
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema == error, (method, path, status)


def test_health_reports_embedded_mode(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["queue"] == "in-process"
    assert body["storage"] == "local"
    assert set(body["models"]) == {"outlet", "recapture", "shelves", "sku_embedder"}
    assert body["models"]["recapture"] == "v1"


def test_an_app_reads_the_visit_report_of_what_it_sent(client: TestClient) -> None:
    setup_master_data(client)
    captured = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    for n in range(2):
        sent = upload(
            client,
            jpeg_bytes(640, 480, seed=40 + n),
            client_photo_id=f"visit-{n}",
            captured_at=(captured + timedelta(minutes=n)).isoformat(),
        )
        wait_analysed(client, sent.json()["photo_id"])
    day = captured.date().isoformat()
    answer = client.get("/v1/visits", params={"day_from": day, "rep_id": "R1"})
    assert answer.status_code == 200, answer.text
    (visit,) = answer.json()
    assert (visit["rep_id"], visit["store_id"], visit["day"], visit["status"]) == (
        "R1",
        "S1",
        day,
        "complete",
    )
    (scene,) = visit["scenes"]
    assert [p["client_photo_id"] for p in scene["photos"]] == ["visit-0", "visit-1"]
    etag = answer.headers["etag"]
    unchanged = client.get(
        "/v1/visits", params={"day_from": day, "rep_id": "R1"}, headers={"If-None-Match": etag}
    )
    assert unchanged.status_code == 304
    for bad in ({"day_from": "yesterday"}, {"day_from": day, "day_to": "2020-01-01"}, {}):
        assert client.get("/v1/visits", params=bad).status_code in (400, 422), bad
