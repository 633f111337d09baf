"""The fraud verdict end to end through the API: evidence a reviewer can act on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import create_rep, create_store, upload, wait_analysed
from tests.factories import jpeg_bytes, jpeg_with_exif, real_photos, reencoded_resized


def fraud_of(photo: dict[str, Any]) -> dict[str, Any]:
    return dict(photo["results"][0]["checks"]["fraud"])


def test_a_photo_reused_for_another_store_is_fraud_with_evidence(client: TestClient) -> None:
    create_store(client, "S1")
    create_store(client, "S2", lat=10.80, lon=106.65)
    create_rep(client, "R1")
    create_rep(client, "R2")
    original = real_photos()[5].read_bytes()
    first = upload(client, original, store_id="S1", rep_id="R1", device_model="Moto G (4)").json()
    wait_analysed(client, first["photo_id"])

    copy = reencoded_resized(original, scale=0.7, quality=60)
    second = upload(
        client,
        copy,
        store_id="S2",
        rep_id="R2",
        lat="10.8001",
        lon="106.6501",
        device_model="Moto G (4)",
    ).json()
    fraud = fraud_of(wait_analysed(client, second["photo_id"]))

    assert fraud["verdict"] in ("review", "fraud")
    reused = fraud["reasons"][0]
    assert reused["code"] == "near_duplicate"
    assert reused["evidence"]["photo_id"] == first["photo_id"]
    assert reused["evidence"]["store_id"] == "S1"
    assert "store S1" in reused["message"]


def test_a_photo_taken_far_from_the_store_goes_to_review(client: TestClient) -> None:
    create_store(client, "S1")
    create_rep(client, "R1")
    photo = upload(client, jpeg_bytes(1600, 1200, seed=3), lat="10.9000", lon="106.7009").json()
    checks = wait_analysed(client, photo["photo_id"])["results"][0]["checks"]
    assert checks["metadata"]["facts"]["distance_to_store_m"] > 13_000
    fraud = checks["fraud"]
    assert fraud["verdict"] == "review"
    assert fraud["reasons"][0]["code"] == "outside_geofence"


def test_a_second_shot_in_the_same_visit_is_not_fraud(client: TestClient) -> None:
    create_store(client, "S1")
    create_rep(client, "R1")
    original = real_photos()[6].read_bytes()
    meta = {"device_model": "Moto G (4)", "captured_at": None}
    first = upload(client, original, **meta).json()
    wait_analysed(client, first["photo_id"])
    second = upload(client, reencoded_resized(original, scale=0.95, quality=85), **meta).json()
    fraud = fraud_of(wait_analysed(client, second["photo_id"]))
    assert fraud["verdict"] == "clean"
    weights = {r["code"]: r["weight"] for r in fraud["reasons"]}
    assert weights["near_duplicate"] < 0.1


def test_a_photo_taken_hours_before_the_time_the_app_sent_is_flagged(client: TestClient) -> None:
    create_store(client)
    create_rep(client)
    hanoi = timezone(timedelta(hours=7))
    sent_as = (datetime.now(UTC) - timedelta(minutes=5)).astimezone(hanoi).replace(microsecond=0)

    def taken_at(local: datetime) -> bytes:
        stamp = local.strftime("%Y:%m:%d %H:%M:%S")
        return jpeg_with_exif(Make="samsung", Model="SM-A515F", DateTimeOriginal=stamp)

    honest = upload(client, taken_at(sent_as), captured_at=sent_as.isoformat()).json()
    # This morning's photo: read in UTC+0 its local time is the time sent, to the second.
    reused = upload(
        client, taken_at(sent_as - timedelta(hours=7)), captured_at=sent_as.isoformat()
    ).json()

    assert "capture_time_mismatch" not in codes(wait_analysed(client, honest["photo_id"]))
    assert "capture_time_mismatch" in codes(wait_analysed(client, reused["photo_id"]))


def codes(photo: dict[str, Any]) -> set[str]:
    return {r["code"] for r in fraud_of(photo)["reasons"]}


def test_a_phone_clock_an_hour_fast_is_taken_and_flagged_not_refused(client: TestClient) -> None:
    create_store(client)
    create_rep(client)
    ahead = (datetime.now(UTC) + timedelta(hours=1)).isoformat()

    sent = upload(client, jpeg_bytes(seed=21), captured_at=ahead)

    assert sent.status_code == 202, sent.text
    fraud = fraud_of(wait_analysed(client, sent.json()["photo_id"]))
    assert fraud["verdict"] == "review"
    (reason,) = [r for r in fraud["reasons"] if r["code"] == "clock_ahead"]
    assert "after it arrived" in reason["message"]
