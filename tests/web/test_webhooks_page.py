"""The webhooks page: an admin adds an endpoint, sees its secret once, pings it, removes it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from shelfaudit.auth.roles import Role
from tests.api.helpers import browser, create_person, log_in, page_csrf


def admin(client: TestClient) -> tuple[TestClient, str]:
    web = browser(client)
    log_in(web, create_person(client, Role.admin))
    return web, page_csrf(web, "/webhooks")


def test_an_admin_adds_pings_and_removes_an_endpoint(client: TestClient) -> None:
    web, token = admin(client)
    assert "No endpoints: nothing is pushed" in web.get("/webhooks").text
    added = web.post(
        "/webhooks/add",
        data={
            "url": "https://sfa.example.com/hooks",
            "events": ["photo.decided", "visit.updated"],
            "description": "SFA prod",
            "csrf_token": token,
        },
    )
    assert added.status_code == 200
    secret = re.search(r"<code>(whsec_[^<]+)</code>", added.text)
    assert secret is not None
    assert "photo.decided, visit.updated" in added.text
    page = web.get("/webhooks").text
    assert secret[1] not in page  # shown once
    endpoint = re.search(r'data-endpoint="(\d+)"', page)
    assert endpoint is not None
    pinged = web.post(f"/webhooks/{endpoint[1]}/ping", data={"csrf_token": token})
    assert pinged.status_code == 303
    assert "<td>ping</td>" in web.get("/webhooks").text
    removed = web.post(f"/webhooks/{endpoint[1]}/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    assert "No endpoints" in web.get("/webhooks").text


def test_a_bad_address_is_refused_with_why(client: TestClient) -> None:
    web, token = admin(client)
    refused = web.post("/webhooks/add", data={"url": "ftp://x.example.com", "csrf_token": token})
    assert refused.status_code == 400
    assert "must be absolute and start with" in refused.text


def test_an_approver_has_no_webhooks_page(client: TestClient) -> None:
    web = browser(client)
    log_in(web, create_person(client, Role.approver))
    assert web.get("/webhooks").status_code == 403
    assert 'href="/webhooks"' not in web.get("/review").text
