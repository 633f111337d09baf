"""Helpers for API tests: master data, uploads and waiting for analysis."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient


def create_store(client: TestClient, store_id: str = "S1", **fields: Any) -> dict[str, Any]:
    body = {
        "name": f"Store {store_id}",
        "lat": 10.7769,
        "lon": 106.7009,
        "geofence_m": 150,
        **fields,
    }
    response = client.put(f"/v1/stores/{store_id}", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def create_rep(client: TestClient, rep_id: str = "R1") -> dict[str, Any]:
    response = client.put(f"/v1/reps/{rep_id}", json={"name": f"Rep {rep_id}", "region": "south"})
    assert response.status_code == 200, response.text
    return dict(response.json())


def visit(**overrides: Any) -> dict[str, str]:
    captured = datetime.now(UTC) - timedelta(minutes=5)
    fields: dict[str, Any] = {
        "rep_id": "R1",
        "store_id": "S1",
        "captured_at": captured.isoformat(),
        "lat": "10.7770",
        "lon": "106.7010",
        "accuracy_m": "12",
        "device_model": "SM-A515F",
        "app_version": "5.2.1",
        **overrides,
    }
    return {k: str(v) for k, v in fields.items() if v is not None}


def upload(
    client: TestClient,
    data: bytes,
    *,
    filename: str = "shelf.jpg",
    content_type: str = "image/jpeg",
    **meta: Any,
) -> Any:
    return client.post(
        "/v1/photos", files={"file": (filename, data, content_type)}, data=visit(**meta)
    )


def wait_analysed(client: TestClient, photo_id: int, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = dict(client.get(f"/v1/photos/{photo_id}").json())
        if body["status"] in ("analysed", "failed"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"photo {photo_id} still {body['status']} after {timeout} s")
        time.sleep(0.05)
