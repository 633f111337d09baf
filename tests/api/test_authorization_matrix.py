"""Every route of the app, called as every kind of caller: only the listed roles get in.

The matrix lists each (method, path) the app serves with the roles it admits. A route added
without an entry fails ``test_every_route_is_in_the_matrix``; one whose guard differs from
its entry fails ``test_route_admits_exactly_its_roles``. Anonymous callers get 401 from the
API and a redirect to the login page from pages; a known caller with another role gets 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from shelfaudit.api.app import create_app
from shelfaudit.auth.roles import Role
from tests.api.helpers import new_api_key, runtime_of, session_headers
from tests.conftest import embedded_settings
from tests.seeds import add_photo, add_scheme, seed_master_data

PUBLIC = frozenset({"anonymous", "sfa", "approver", "admin", "ml_engineer"})
SFA = frozenset({"sfa", "admin"})
ADMIN = frozenset({"admin"})
APPROVER = frozenset({"approver", "admin"})
READER = frozenset({"approver", "admin", "ml_engineer"})
EXPORTER = frozenset({"ml_engineer", "admin"})
PEOPLE = READER
KNOWN = PUBLIC - {"anonymous"}
VISITS = frozenset({"sfa", "approver", "admin"})  # the app shows reps; people check

MATRIX: dict[tuple[str, str], frozenset[str]] = {
    # public
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs-assets"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/v1/session"): PUBLIC,
    # SFA apps (and admins): intake and master data
    ("POST", "/v1/photos"): SFA,
    ("GET", "/v1/photos"): SFA,
    ("GET", "/v1/photos/{photo_id}"): SFA,
    ("GET", "/v1/photos/{photo_id}/original"): SFA,
    ("GET", "/v1/photos/{photo_id}/overlay.jpg"): SFA,
    ("PUT", "/v1/stores/{store_id}"): SFA,
    ("GET", "/v1/stores/{store_id}"): SFA,
    ("GET", "/v1/stores"): SFA,
    ("PUT", "/v1/reps/{rep_id}"): SFA,
    ("GET", "/v1/reps/{rep_id}"): SFA,
    ("GET", "/v1/reps"): SFA,
    ("PUT", "/v1/activities/{activity_id}"): SFA,
    ("GET", "/v1/activities/{activity_id}"): SFA,
    ("GET", "/v1/activities"): SFA,
    # display standards: admins publish, people read
    ("PUT", "/v1/activities/{activity_id}/standard"): ADMIN,
    ("GET", "/v1/activities/{activity_id}/standard"): READER,
    # the SKU catalogue: admins write, every known caller reads
    ("POST", "/v1/skus"): ADMIN,
    ("GET", "/v1/skus"): KNOWN,
    ("GET", "/v1/skus/{sku_id}"): KNOWN,
    ("PATCH", "/v1/skus/{sku_id}"): ADMIN,
    ("DELETE", "/v1/skus/{sku_id}"): ADMIN,
    ("POST", "/v1/skus/{sku_id}/packshots"): ADMIN,
    ("POST", "/v1/skus/{sku_id}/examples"): PEOPLE,
    ("GET", "/v1/skus/{sku_id}/packshots/{packshot_id}/image"): KNOWN,
    ("DELETE", "/v1/skus/{sku_id}/packshots/{packshot_id}"): ADMIN,
    # approvers: queue, decisions, statements
    ("GET", "/v1/review/queue"): APPROVER,
    ("POST", "/v1/review/photos/{photo_id}/decision"): APPROVER,
    ("POST", "/v1/review/bulk-approve"): APPROVER,
    ("POST", "/v1/review/photos/{photo_id}/boxes/{box_index}"): APPROVER,
    ("GET", "/v1/review/photos/{photo_id}/boxes"): READER,
    ("GET", "/v1/review/photos/{photo_id}/drawn-boxes"): READER,
    ("POST", "/v1/review/photos/{photo_id}/drawn-boxes"): APPROVER,
    ("DELETE", "/v1/review/photos/{photo_id}/drawn-boxes/{drawn_id}"): APPROVER,
    ("POST", "/v1/payouts/runs"): APPROVER,
    ("POST", "/v1/payouts/closures"): ADMIN,
    ("GET", "/v1/payouts/statements"): APPROVER,
    ("GET", "/v1/payouts/statements.csv"): APPROVER,
    ("GET", "/review"): APPROVER,
    ("POST", "/review/bulk-approve"): APPROVER,
    ("POST", "/review/photos/{photo_id}/decision"): APPROVER,
    ("POST", "/review/photos/{photo_id}/boxes/{box_index}"): APPROVER,
    ("POST", "/review/photos/{photo_id}/drawn-boxes"): APPROVER,
    ("POST", "/review/photos/{photo_id}/drawn-boxes/{drawn_id}/remove"): APPROVER,
    ("GET", "/payouts"): APPROVER,
    ("POST", "/payouts/run"): APPROVER,
    ("POST", "/payouts/close"): ADMIN,
    # read-only photo pages: approvers and ML engineers
    ("GET", "/review/photos/{photo_id}"): READER,
    ("GET", "/photos"): READER,
    ("GET", "/review/photos/{photo_id}/image"): READER,
    ("GET", "/review/photos/{photo_id}/overlay.jpg"): READER,
    ("POST", "/review/photos/{photo_id}/skus/{item_index}"): READER,
    # admins: rule sets
    ("GET", "/v1/rule-sets"): ADMIN,
    ("POST", "/v1/rule-sets"): ADMIN,
    ("GET", "/v1/rule-sets/{rule_set_id}/{version}"): ADMIN,
    ("POST", "/v1/rule-sets/{rule_set_id}/{version}/activate"): ADMIN,
    ("POST", "/v1/rule-sets/{rule_set_id}/{version}/simulate"): ADMIN,
    ("GET", "/rule-sets"): ADMIN,
    ("POST", "/rule-sets/upload"): ADMIN,
    ("POST", "/rule-sets/{rule_set_id}/{version}/activate"): ADMIN,
    ("GET", "/v1/visits"): VISITS,
    # admins: webhook endpoints
    ("POST", "/v1/webhooks"): ADMIN,
    ("GET", "/v1/webhooks"): ADMIN,
    ("DELETE", "/v1/webhooks/{endpoint_id}"): ADMIN,
    ("PATCH", "/v1/webhooks/{endpoint_id}"): ADMIN,
    ("POST", "/v1/webhooks/{endpoint_id}/ping"): ADMIN,
    ("POST", "/v1/webhooks/{endpoint_id}/secret"): ADMIN,
    ("GET", "/v1/webhooks/{endpoint_id}/deliveries"): ADMIN,
    ("POST", "/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry"): ADMIN,
    ("GET", "/webhooks"): ADMIN,
    ("POST", "/webhooks/add"): ADMIN,
    ("POST", "/webhooks/{endpoint_id}/remove"): ADMIN,
    ("POST", "/webhooks/{endpoint_id}/ping"): ADMIN,
    ("POST", "/webhooks/{endpoint_id}/deliveries/{delivery_id}/retry"): ADMIN,
    # admins: the audit trail, analysing photos again
    ("GET", "/v1/audit"): ADMIN,
    ("POST", "/v1/reanalyse"): ADMIN,
    # ML engineers: labels
    ("GET", "/v1/labels/export"): EXPORTER,
    ("GET", "/v1/labels/sku-examples"): EXPORTER,
    ("GET", "/labels"): EXPORTER,
    # any person
    ("POST", "/logout"): PEOPLE,
    ("DELETE", "/v1/session"): PEOPLE,
}

CALLERS = ("anonymous", "sfa", "approver", "admin", "ml_engineer")
# Query strings that make an admitted call meaningful (not needed to be refused).
QUERIES = {
    "/v1/payouts/statements": "?period=2026-05",
    "/v1/payouts/statements.csv": "?period=2026-05",
    "/v1/rule-sets/{rule_set_id}/{version}/simulate": "?period=2026-05",
    "/v1/labels/export": "?since=2026-01-01",
    "/v1/visits": "?day_from=2026-11-03",
    "/static": "/app.css",
    "/docs-assets": "/swagger-ui.css",
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set()
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            found.add(("GET", str(route.path)))
            continue
        for method in route.methods or ():
            if method != "HEAD":
                found.add((method, str(route.path)))
    return found


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = embedded_settings(Path(tmp_path_factory.mktemp("matrix")) / "data")
    with TestClient(create_app(settings), follow_redirects=False) as client:
        runtime = runtime_of(client)
        seed_master_data(runtime)
        add_scheme(runtime)
        add_photo(runtime, boxes=[{"xyxy": [1, 1, 50, 50], "class_name": "can"}])
        yield client


def concrete(path: str) -> str:
    filled = (
        path.replace("{photo_id}", "1")
        .replace("{box_index}", "0")
        .replace("{rule_set_id}", "test_scheme")
        .replace("{version}", "1")
        .replace("{store_id}", "S1")
        .replace("{rep_id}", "R1")
        .replace("{activity_id}", "A1")
        .replace("{sku_id}", "SKU1")
        .replace("{packshot_id}", "1")
        .replace("{drawn_id}", "1")
        .replace("{endpoint_id}", "1")
        .replace("{delivery_id}", "1")
    )
    return filled + QUERIES.get(path, "")


def headers_for(client: TestClient, caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller == "sfa":
        return {"Authorization": f"Bearer {new_api_key(client)}"}
    return session_headers(client, Role(caller))  # a fresh session: /logout ends its own


def is_page(path: str) -> bool:
    return not path.startswith(("/v1/", "/healthz", "/static", "/openapi.json", "/docs", "/redoc"))


def test_every_route_is_in_the_matrix(app_client: TestClient) -> None:
    served = app_routes(app_client.app)  # type: ignore[arg-type]
    assert served - MATRIX.keys() == set(), "a new route: add it to MATRIX with its roles"
    assert MATRIX.keys() - served == set(), "MATRIX lists a route the app no longer serves"


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX), ids=lambda v: str(v))
def test_route_admits_exactly_its_roles(app_client: TestClient, method: str, path: str) -> None:
    allowed = MATRIX[(method, path)]
    for caller in CALLERS:
        response = app_client.request(
            method, concrete(path), headers=headers_for(app_client, caller)
        )
        status = response.status_code
        where = f"{method} {path} as {caller}: {status} {response.text[:200]}"
        assert status < 500, where
        if caller in allowed:
            assert status not in (401, 403) or path == "/login", where
            if allowed != PUBLIC:
                assert "/login?next=" not in response.headers.get("location", ""), where
        elif caller == "anonymous" and is_page(path):
            assert status == 303, where
            assert response.headers["location"].startswith("/login?next="), where
        elif caller == "anonymous":
            assert status == 401, where
            assert response.json()["error"]["code"] == "unauthenticated"
        else:
            assert status == 403, where
