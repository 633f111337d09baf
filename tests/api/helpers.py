"""Helpers for API tests: callers (API keys, people), master data, uploads, analysis."""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from shelfaudit.auth.accounts import create_api_key, create_user
from shelfaudit.auth.roles import Role
from shelfaudit.auth.sessions import open_session
from shelfaudit.runtime import Runtime
from shelfaudit.store.tables import LoginSession

PASSWORD = "correct horse battery staple"


def runtime_of(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def new_api_key(client: TestClient, name: str | None = None) -> str:
    with runtime_of(client).sessions() as session:
        _, key = create_api_key(session, name=name or f"sfa-{secrets.token_hex(4)}")
        session.commit()
    return key


def authorise(client: TestClient) -> TestClient:
    """Send an SFA API key with every request of ``client`` from now on."""
    client.headers["Authorization"] = f"Bearer {new_api_key(client)}"
    return client


def create_person(client: TestClient, role: Role, username: str | None = None) -> str:
    username = username or f"{role.value}-{secrets.token_hex(3)}"
    with runtime_of(client).sessions() as session:
        create_user(session, username=username, password=PASSWORD, role=role)
        session.commit()
    return username


def session_headers(client: TestClient, role: Role, username: str | None = None) -> dict[str, str]:
    """Headers of a logged-in browser of a new person with ``role`` (cookie + CSRF token)."""
    from shelfaudit.store.tables import User

    username = create_person(client, role, username)
    with runtime_of(client).sessions() as session:
        user = session.query(User).filter_by(username=username).one()
        token = open_session(session, user=user, ttl=timedelta(hours=1))
        session.commit()
        row = session.query(LoginSession).filter_by(user_id=user.id).one()
        csrf = row.csrf_token
    return {"Cookie": f"shelfaudit_session={token}", "X-CSRF-Token": csrf}


def browser(client: TestClient) -> TestClient:
    """A second client on the same running app, with its own cookie jar and no API key."""
    return TestClient(client.app, follow_redirects=False)


def log_in(web: TestClient, username: str, password: str = PASSWORD) -> Any:
    """Log in through the real form; returns the response to the form post."""
    form = web.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, form.text
    return web.post(
        "/login", data={"username": username, "password": password, "csrf_token": token[1]}
    )


def page_csrf(web: TestClient, path: str) -> str:
    page = web.get(path)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert token, page.text[:500]
    return token[1]


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
