"""The SKU catalogue's audit trail through the API: every change an admin makes is an event
with who made it and the state before and after, read back from ``GET /v1/audit``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shelfaudit.auth.roles import Role
from tests.api.helpers import browser, session_headers
from tests.catalogue_factories import packshot_jpeg

MILK = {"sku_id": "Arla-Standard-Milk", "name": "Arla Standard Milk 1 l", "brand": "Arla"}


@pytest.fixture
def admin(client: TestClient) -> Iterator[TestClient]:
    """The browser session of the admin ``root`` on the app ``client`` (an SFA app) runs."""
    with browser(client) as web:
        web.headers.update(session_headers(client, Role.admin, "root"))
        yield web


def create(admin: TestClient, **fields: Any) -> dict[str, Any]:
    response = admin.post("/v1/skus", json={**MILK, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


def upload(admin: TestClient, sku_id: str, *images: bytes) -> Any:
    files = [("files", (f"{i}.jpg", data, "image/jpeg")) for i, data in enumerate(images)]
    return admin.post(f"/v1/skus/{sku_id}/packshots", files=files)


def trail(admin: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = admin.get("/v1/audit", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def test_every_catalogue_change_is_an_event_with_its_admin_and_states(admin: TestClient) -> None:
    create(admin, barcode="7310865004703")
    assert admin.post("/v1/skus", json=MILK).status_code == 409  # refused: no event
    admin.patch("/v1/skus/Arla-Standard-Milk", json={"name": "Arla Milk", "brand": None})
    admin.patch("/v1/skus/Arla-Standard-Milk", json={"name": "Arla Milk"})  # no change
    front, back = upload(admin, "Arla-Standard-Milk", packshot_jpeg(1), packshot_jpeg(2)).json()
    assert upload(admin, "Arla-Standard-Milk", packshot_jpeg(1)).status_code == 200  # no event
    admin.delete(f"/v1/skus/Arla-Standard-Milk/packshots/{back['id']}")
    assert admin.delete("/v1/skus/Arla-Standard-Milk").status_code == 204
    admin.delete("/v1/skus/Arla-Standard-Milk")  # already inactive: no change

    events = trail(admin)

    assert {(e["actor"], e["actor_role"], e["photo_id"]) for e in events} == {
        ("root", "admin", None)
    }
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert all(e["at"] for e in events)
    milk = {"name": "Arla Standard Milk 1 l", "brand": "Arla", "barcode": "7310865004703"}
    renamed = {**milk, "name": "Arla Milk", "brand": None}
    packshots = [{"id": p["id"], "sha256": p["sha256"]} for p in (front, back)]
    assert [(e["action"], e["subject"], e["before"], e["after"]) for e in events] == [
        ("sku_create", "sku Arla-Standard-Milk", None, {**milk, "active": True}),
        (
            "sku_update",
            "sku Arla-Standard-Milk",
            {**milk, "active": True},
            {**renamed, "active": True},
        ),
        ("packshot_add", "sku Arla-Standard-Milk", None, {"packshots": packshots}),
        (
            "packshot_delete",
            f"sku Arla-Standard-Milk packshot {back['id']}",
            packshots[1],
            None,
        ),
        (
            "sku_deactivate",
            "sku Arla-Standard-Milk",
            {**renamed, "active": True},
            {**renamed, "active": False},
        ),
    ]


def test_the_trail_is_for_admins_only(client: TestClient, admin: TestClient) -> None:
    create(admin)
    assert client.get("/v1/audit").status_code == 403  # an SFA app
    for role in (Role.approver, Role.ml_engineer):
        with browser(client) as person:
            person.headers.update(session_headers(client, role))
            refused = person.get("/v1/audit")
            assert refused.status_code == 403, role
            assert refused.json()["error"]["code"] == "forbidden"
    with browser(client) as anonymous:
        assert anonymous.get("/v1/audit").status_code == 401


def test_the_trail_filters_by_action_and_subject_and_pages_by_id(admin: TestClient) -> None:
    create(admin)
    create(admin, sku_id="Arla-Sour-Cream", name="Arla Sour Cream")
    create(admin, sku_id="Oatly-Oat-Milk", name="Oatly Oat Milk", brand="Oatly")
    admin.patch("/v1/skus/Oatly-Oat-Milk", json={"name": "Oatly Oat Drink"})

    def seen(**params: Any) -> list[tuple[str, str]]:
        return [(e["action"], e["subject"]) for e in trail(admin, **params)]

    assert seen(action="sku_create") == [
        ("sku_create", "sku Arla-Standard-Milk"),
        ("sku_create", "sku Arla-Sour-Cream"),
        ("sku_create", "sku Oatly-Oat-Milk"),
    ]
    assert seen(subject_prefix="sku Oatly") == [
        ("sku_create", "sku Oatly-Oat-Milk"),
        ("sku_update", "sku Oatly-Oat-Milk"),
    ]
    assert seen(action="sku_update", subject_prefix="sku Arla") == []
    assert seen(subject_prefix="SKU ") == []  # exact, case included
    assert seen(action="photo_approve") == []

    first = trail(admin, limit=3)
    rest = trail(admin, after_id=first[-1]["id"], limit=3)
    assert len(first) == 3
    assert [e["action"] for e in rest] == ["sku_update"]
    assert trail(admin, after_id=rest[-1]["id"]) == []
    assert [e["id"] for e in first + rest] == [e["id"] for e in trail(admin)]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"after_id": -1}])
def test_bad_paging_is_422(admin: TestClient, params: dict[str, int]) -> None:
    assert admin.get("/v1/audit", params=params).status_code == 422
