"""Master data through the API: who may create and who may change, and what is kept."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from shelfaudit.auth.roles import Role
from shelfaudit.store.tables import AuditEvent, Store
from tests.api.helpers import browser, create_store, runtime_of, session_headers

STORE = {"name": "Lotte Mart Q7", "lat": 10.7769, "lon": 106.7009, "geofence_m": 150}


def test_an_sfa_key_creates_a_store_and_may_send_it_again_unchanged(client: TestClient) -> None:
    assert client.put("/v1/stores/S1", json=STORE).status_code == 200
    again = client.put("/v1/stores/S1", json=STORE)
    assert again.status_code == 200
    assert again.json()["geofence_m"] == 150


def test_an_sfa_key_may_not_move_a_store_or_widen_its_geofence(client: TestClient) -> None:
    create_store(client, "S1", **STORE)
    moved = client.put("/v1/stores/S1", json={**STORE, "geofence_m": 50_000})
    assert moved.status_code == 403
    assert "an admin changes stores" in moved.json()["error"]["message"]
    assert client.get("/v1/stores/S1").json()["geofence_m"] == 150


def test_an_admin_changes_a_store_and_the_audit_trail_says_what_was_there(
    client: TestClient,
) -> None:
    create_store(client, "S1", **STORE)
    admin = session_headers(client, Role.admin)
    web = browser(client)
    changed = web.put("/v1/stores/S1", json={**STORE, "geofence_m": 300}, headers=admin)
    assert changed.status_code == 200
    with runtime_of(client).sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.subject == "store S1").order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == ["store_created", "store_changed"]
    assert (events[1].before or {})["geofence_m"] == 150
    assert (events[1].after or {})["geofence_m"] == 300


def test_a_store_stored_before_names_were_checked_is_still_listed(client: TestClient) -> None:
    create_store(client, "S1", **STORE)
    with runtime_of(client).sessions.begin() as session:
        session.execute(
            update(Store).where(Store.id == "S1").values(name="Lotte\u2028Mart \u202eQ7")
        )
    listed = client.get("/v1/stores")
    assert listed.status_code == 200
    assert listed.json()[0]["name"] == "Lotte Mart Q7"
    assert client.get("/v1/stores/S1").json()["name"] == "Lotte Mart Q7"
