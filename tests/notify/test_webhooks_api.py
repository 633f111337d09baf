"""Webhooks as an SFA integrator meets them: an admin adds an endpoint, a photo is uploaded,
analysed and decided, and each step arrives signed at a real receiver, sent by the API's own
delivery loop."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shelfaudit.api.app import create_app
from shelfaudit.auth.roles import Role
from shelfaudit.notify.signing import verify
from shelfaudit.store.tables import utcnow
from tests.api.helpers import (
    authorise,
    browser,
    create_rep,
    create_store,
    session_headers,
    upload,
    wait_analysed,
)
from tests.conftest import embedded_settings
from tests.factories import jpeg_bytes
from tests.notify.receiver import Received, Receiver, receiver


@pytest.fixture
def hooks() -> Iterator[Receiver]:
    with receiver() as found:
        yield found


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    settings = embedded_settings(tmp_path / "data", webhook_poll_s=0.1)
    with TestClient(create_app(settings)) as test_client:
        yield authorise(test_client)


def until(
    read: Callable[[], dict[str, Any]], done: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """What ``read`` returns once ``done`` says so (the delivery loop runs every 0.1 s)."""
    deadline = time.monotonic() + 20
    while not done(found := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def of_type(kind: str, photo_id: int | None = None) -> object:
    def test(received: Received) -> bool:
        body = json.loads(received.body)
        photo = body["data"].get("photo") or {}
        return bool(body["type"] == kind and (photo_id is None or photo.get("id") == photo_id))

    return test


def test_an_upload_and_its_decision_are_pushed_signed(
    app_client: TestClient, hooks: Receiver
) -> None:
    web = browser(app_client)
    admin = session_headers(app_client, Role.admin)
    made = web.post(
        "/v1/webhooks", json={"url": hooks.url, "description": "SFA prod"}, headers=admin
    )
    assert made.status_code == 201, made.text
    secret, hook_id = made.json()["secret"], made.json()["id"]
    assert made.headers["cache-control"] == "no-store"
    assert made.json()["events"] == [
        "photo.analysed",
        "photo.failed",
        "photo.decided",
        "visit.updated",
    ]
    assert "secret" not in web.get("/v1/webhooks", headers=admin).json()[0]  # shown once

    create_store(app_client)
    create_rep(app_client)
    sent = upload(app_client, jpeg_bytes(640, 480, seed=3), client_photo_id="app-77")
    photo_id = sent.json()["photo_id"]
    wait_analysed(app_client, photo_id)

    analysed = hooks.wait_for(of_type("photo.analysed", photo_id))  # type: ignore[arg-type]
    now = int(utcnow().timestamp())
    assert verify(secret, analysed.headers["ShelfAudit-Signature"], analysed.body, now=now)
    photo = json.loads(analysed.body)["data"]["photo"]
    assert (photo["client_photo_id"], photo["status"]) == ("app-77", "analysed")
    assert photo["verdict"] in ("clean", "review", "fraud")
    assert photo["url"] == f"/v1/photos/{photo_id}"

    approver = session_headers(app_client, Role.approver)
    decided = web.post(
        f"/v1/review/photos/{photo_id}/decision",
        json={"decision": "rejected", "reason_code": "duplicate"},
        headers=approver,
    )
    assert decided.status_code == 200, decided.text
    pushed = hooks.wait_for(of_type("photo.decided", photo_id))  # type: ignore[arg-type]
    review = json.loads(pushed.body)["data"]["photo"]["review"]
    assert (review["state"], review["decision"], review["reason_code"]) == (
        "decided",
        "rejected",
        "duplicate",
    )

    visit = hooks.wait_for(
        lambda r: (
            json.loads(r.body)["type"] == "visit.updated"
            and json.loads(r.body)["data"]["visit"]["scenes"][0]["photos"][0]["review"]["state"]
            == "decided"
        )
    )
    report = json.loads(visit.body)["data"]["visit"]
    assert (report["rep_id"], report["store_id"], report["status"]) == ("R1", "S1", "complete")
    listed = web.get(f"/v1/webhooks/{hook_id}/deliveries", headers=admin).json()
    assert [d["event_type"] for d in listed] == [
        "visit.updated",
        "photo.decided",
        "visit.updated",
        "photo.analysed",
    ]
    assert {d["status"] for d in listed} == {"delivered"}


def test_an_admin_pings_sees_a_failure_and_sends_it_again(
    app_client: TestClient, hooks: Receiver
) -> None:
    web = browser(app_client)
    admin = session_headers(app_client, Role.admin)
    hook_id = web.post("/v1/webhooks", json={"url": hooks.url}, headers=admin).json()["id"]
    hooks.answers = [503]
    ping = web.post(f"/v1/webhooks/{hook_id}/ping", headers=admin)
    assert ping.status_code == 202
    hooks.wait_for(of_type("ping"))  # type: ignore[arg-type]
    url = f"/v1/webhooks/{hook_id}/deliveries"
    row = until(lambda: web.get(url, headers=admin).json()[0], lambda r: r["attempts"] > 0)
    assert (row["status"], row["last_status_code"]) == ("pending", 503)
    assert row["last_error"] == "answered HTTP 503"
    again = web.post(f"{url}/{row['id']}/retry", headers=admin)
    assert again.status_code == 202
    row = until(lambda: web.get(url, headers=admin).json()[0], lambda r: r["status"] == "delivered")
    assert (row["status"], row["attempts"]) == ("delivered", 2)
    assert len(hooks.requests) == 2
    assert web.delete(f"/v1/webhooks/{hook_id}", headers=admin).status_code == 204
    assert web.get("/v1/webhooks", headers=admin).json() == []
    assert web.post(f"/v1/webhooks/{hook_id}/ping", headers=admin).status_code == 404
    history = web.get(url, headers=admin)  # a removed endpoint's deliveries stay readable
    assert [d["status"] for d in history.json()] == ["delivered"]


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://x.example.com"},
        {"url": "https://x.example.com", "events": ["photo.deleted"]},
        {"url": "https://x.example.com", "secret": "mine"},
    ],
)
def test_a_bad_endpoint_is_refused(app_client: TestClient, body: dict[str, object]) -> None:
    admin = session_headers(app_client, Role.admin)
    made = browser(app_client).post("/v1/webhooks", json=body, headers=admin)
    assert made.status_code in (400, 422), made.text


def test_the_openapi_document_describes_what_a_receiver_gets(app_client: TestClient) -> None:
    spec = app_client.get("/openapi.json").json()
    assert list(spec["webhooks"]) == [
        "photo.analysed",
        "photo.failed",
        "photo.decided",
        "visit.updated",
        "ping",
    ]
    body = spec["components"]["schemas"]["WebhookEvent"]
    assert "ShelfAudit-Signature" in body["description"]


def test_a_new_secret_signs_what_is_sent_from_then_on(
    app_client: TestClient, hooks: Receiver
) -> None:
    web = browser(app_client)
    admin = session_headers(app_client, Role.admin)
    made = web.post("/v1/webhooks", json={"url": hooks.url}, headers=admin).json()
    rotated = web.post(f"/v1/webhooks/{made['id']}/secret", headers=admin)
    assert rotated.status_code == 200
    assert rotated.headers["cache-control"] == "no-store"
    secret = rotated.json()["secret"]
    assert secret != made["secret"]
    web.post(f"/v1/webhooks/{made['id']}/ping", headers=admin)
    got = hooks.wait_for(of_type("ping"))  # type: ignore[arg-type]
    now = int(utcnow().timestamp())
    assert verify(secret, got.headers["ShelfAudit-Signature"], got.body, now=now)
    assert not verify(made["secret"], got.headers["ShelfAudit-Signature"], got.body, now=now)


def test_an_endpoint_is_moved_to_a_new_address_with_its_secret(
    app_client: TestClient, hooks: Receiver
) -> None:
    web = browser(app_client)
    admin = session_headers(app_client, Role.admin)
    made = web.post(
        "/v1/webhooks", json={"url": "http://127.0.0.1:9/old", "events": ["photo.failed"]},
        headers=admin,
    ).json()  # fmt: skip
    url = f"/v1/webhooks/{made['id']}"
    changed = web.patch(url, json={"url": hooks.url, "events": ["photo.decided"]}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["url"], changed.json()["events"]) == (hooks.url, ["photo.decided"])
    assert changed.json()["description"] is None  # left out: it stays
    for bad in ({"events": []}, {"url": "ftp://x"}, {"secret": "mine"}):
        assert web.patch(url, json=bad, headers=admin).status_code in (400, 422), bad
    web.post(f"{url}/ping", headers=admin)
    got = hooks.wait_for(of_type("ping"))  # type: ignore[arg-type]
    now = int(utcnow().timestamp())
    assert verify(made["secret"], got.headers["ShelfAudit-Signature"], got.body, now=now)
