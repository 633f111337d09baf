"""Logging in and out through the pages; cookies, CSRF and API keys on the existing API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from shelfaudit.api.app import create_app
from shelfaudit.auth.roles import Role
from shelfaudit.store.tables import LoginSession, utcnow
from tests.api.helpers import (
    PASSWORD,
    authorise,
    browser,
    create_person,
    log_in,
    new_api_key,
    page_csrf,
    runtime_of,
)
from tests.conftest import embedded_settings
from tests.factories import jpeg_bytes

WRONG = "not it at all"


@pytest.fixture
def strict_client(tmp_path: Path) -> Iterator[TestClient]:
    """The app with low login limits: 2 failures per username, 3 per address."""
    settings = embedded_settings(
        tmp_path / "strict", login_max_failures=2, login_max_failures_per_client=3
    )
    with TestClient(create_app(settings)) as test_client:
        yield authorise(test_client)


def test_login_sets_an_httponly_samesite_cookie_and_lands_on_the_queue(
    client: TestClient,
) -> None:
    web = browser(client)
    username = create_person(client, Role.approver)
    response = log_in(web, username)
    assert response.status_code == 303
    assert response.headers["location"] == "/review"
    cookie = response.headers["set-cookie"]
    assert "shelfaudit_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert web.get("/review").status_code == 200


def test_an_ml_engineer_lands_on_label_export(client: TestClient) -> None:
    web = browser(client)
    response = log_in(web, create_person(client, Role.ml_engineer))
    assert response.headers["location"] == "/labels"


def test_a_wrong_password_shows_the_form_again(client: TestClient) -> None:
    web = browser(client)
    response = log_in(web, create_person(client, Role.approver), password="not it at all")
    assert response.status_code == 401
    assert "wrong username or password" in response.text
    assert "shelfaudit_session" not in response.headers.get("set-cookie", "")


def test_five_failed_logins_lock_the_username_out_even_with_the_right_password(
    client: TestClient,
) -> None:
    web = browser(client)
    username = create_person(client, Role.approver)
    for _ in range(5):
        assert log_in(web, username, password=WRONG).status_code == 401
    refused = log_in(web, username)
    assert refused.status_code == 429
    assert 840 < int(refused.headers["retry-after"]) <= 900  # the 15-minute window
    assert "Too many failed attempts; try again in 15 minutes." in refused.text
    assert "shelfaudit_session" not in refused.headers.get("set-cookie", "")


def test_one_address_is_limited_across_usernames(strict_client: TestClient) -> None:
    username = create_person(strict_client, Role.approver)
    for guess in ("guess-1", "guess-2", "guess-3"):
        assert log_in(browser(strict_client), guess, password=WRONG).status_code == 401
    refused = log_in(browser(strict_client), username)
    assert refused.status_code == 429
    assert "retry-after" in refused.headers


def test_a_successful_login_clears_the_usernames_failures(strict_client: TestClient) -> None:
    username = create_person(strict_client, Role.approver)
    for _ in range(2):  # without the clearing, the second failure would reach the limit
        assert log_in(browser(strict_client), username, password=WRONG).status_code == 401
        assert log_in(browser(strict_client), username).status_code == 303


def test_a_login_post_without_the_form_token_is_refused(client: TestClient) -> None:
    web = browser(client)
    username = create_person(client, Role.approver)
    response = web.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 403


def test_a_page_asks_for_login_and_comes_back_after(client: TestClient) -> None:
    web = browser(client)
    first = web.get("/review/photos/1")
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=%2Freview%2Fphotos%2F1"
    form = web.get(first.headers["location"])
    assert 'name="next" value="/review/photos/1"' in form.text


def test_a_form_post_without_its_csrf_token_is_refused(client: TestClient) -> None:
    web = browser(client)
    log_in(web, create_person(client, Role.approver))
    refused = web.post("/payouts/run", data={"period": "2026-05"})
    assert refused.status_code == 403
    assert "csrf" in refused.text.lower()
    token = page_csrf(web, "/payouts")
    accepted = web.post("/payouts/run", data={"period": "2026-05", "csrf_token": token})
    assert accepted.status_code == 303


def test_an_expired_session_is_sent_to_the_login_page(client: TestClient) -> None:
    web = browser(client)
    log_in(web, create_person(client, Role.approver))
    with runtime_of(client).sessions.begin() as session:
        session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = web.get("/review")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_logout_ends_the_session(client: TestClient) -> None:
    web = browser(client)
    log_in(web, create_person(client, Role.admin))
    token = page_csrf(web, "/review")
    assert web.post("/logout", data={"csrf_token": token}).status_code == 303
    assert web.get("/review").status_code == 303


def test_the_api_takes_a_key_in_either_header_and_refuses_a_wrong_one(client: TestClient) -> None:
    anonymous = browser(client)
    key = new_api_key(client)
    assert anonymous.get("/v1/stores").status_code == 401
    assert anonymous.get("/v1/stores", headers={"X-API-Key": key}).status_code == 200
    assert (
        anonymous.get("/v1/stores", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    )
    wrong = anonymous.get("/v1/stores", headers={"X-API-Key": "sa_not-a-key"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "unauthenticated"


def test_an_admin_session_may_upload_with_its_csrf_token(client: TestClient) -> None:
    web = browser(client)
    log_in(web, create_person(client, Role.admin))
    token = page_csrf(web, "/review")
    web.put("/v1/stores/S1", json={"name": "Store"}, headers={"X-CSRF-Token": token})
    files = {"file": ("shelf.jpg", jpeg_bytes(1200, 900), "image/jpeg")}
    assert web.post("/v1/photos", files=files).status_code == 403  # no token
    accepted = web.post("/v1/photos", files=files, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 202, accepted.text
    approver = browser(client)
    log_in(approver, create_person(client, Role.approver))
    assert approver.get("/v1/photos").status_code == 403


def test_the_public_endpoints_stay_public(client: TestClient) -> None:
    anonymous = browser(client)
    for path in ("/healthz", "/docs", "/openapi.json"):
        assert anonymous.get(path).status_code == 200, path


def test_a_script_logs_in_with_json_and_acts_with_the_csrf_token(client: TestClient) -> None:
    web = browser(client)
    username = create_person(client, Role.admin)
    response = web.post("/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["username"], body["role"]) == (username, "admin")
    assert "HttpOnly" in response.headers["set-cookie"]
    token = {"X-CSRF-Token": body["csrf_token"]}
    assert web.get("/v1/audit").status_code == 200  # reading needs no token
    assert web.put("/v1/stores/S7", json={"name": "Kiosk"}).status_code == 403
    assert web.put("/v1/stores/S7", json={"name": "Kiosk"}, headers=token).status_code == 200
    assert web.delete("/v1/session", headers=token).status_code == 204
    assert web.get("/v1/audit").status_code == 401


def test_a_json_login_is_throttled_like_the_form(strict_client: TestClient) -> None:
    web = browser(strict_client)
    username = create_person(strict_client, Role.approver)
    for _ in range(2):
        wrong = web.post("/v1/session", json={"username": username, "password": WRONG})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "unauthenticated"
    refused = web.post("/v1/session", json={"username": username, "password": PASSWORD})
    assert refused.status_code == 429
    assert "retry-after" in refused.headers
    assert "shelfaudit_session" not in refused.headers.get("set-cookie", "")


def test_a_json_login_sent_as_a_form_is_refused(client: TestClient) -> None:
    # What a cross-site form could send (text/plain or urlencoded): never a session.
    username = create_person(client, Role.admin)
    body = f'{{"username": "{username}", "password": "{PASSWORD}"}}'
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        response = browser(client).post(
            "/v1/session", content=body, headers={"content-type": content_type}
        )
        assert response.status_code == 422, (content_type, response.text)
        assert "set-cookie" not in response.headers
