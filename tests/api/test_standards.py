"""Display standards through the API, and the score they give each new photo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from shelfaudit.auth.roles import Role
from tests.api.helpers import (
    browser,
    create_rep,
    create_store,
    session_headers,
    upload,
    wait_analysed,
)
from tests.factories import REPO, real_photos

STANDARD = (REPO / "examples" / "standards" / "heineken_carton_stack.yaml").read_text()


def put_activity(client: TestClient, activity_id: str = "A1") -> None:
    response = client.put(f"/v1/activities/{activity_id}", json={"name": "Heineken stack"})
    assert response.status_code == 200, response.text


def publish(client: TestClient, text: str, activity_id: str = "A1") -> Any:
    admin = session_headers(client, Role.admin)
    return browser(client).put(
        f"/v1/activities/{activity_id}/standard",
        content=text.encode(),
        headers={**admin, "Content-Type": "application/yaml"},
    )


def test_a_published_standard_scores_the_next_photo_with_sentences(client: TestClient) -> None:
    create_store(client)
    create_rep(client)
    put_activity(client)
    published = publish(client, STANDARD)
    assert published.status_code == 200, published.text
    assert published.json()["version"] == 1

    photo = upload(client, real_photos()[1].read_bytes(), activity_id="A1").json()
    display = wait_analysed(client, photo["photo_id"])["results"][0]["checks"]["display"]

    assert display["standard_id"] == "heineken-carton-stack"
    assert display["standard_version"] == 1
    by_name = {c["name"]: c for c in display["criteria"]}
    cartons = by_name["heineken_cartons"]
    assert cartons["mandatory"]
    assert not cartons["passed"]  # no outlet detector in the registry yet: nothing seen
    assert cartons["sentence"]
    assert display["score"] == 0
    assert display["reason"]
    assert display["breakdown"][0]["criterion"].startswith("heineken_cartons")


def test_a_photo_of_an_activity_without_a_standard_has_no_display_score(client: TestClient) -> None:
    create_store(client)
    create_rep(client)
    put_activity(client)
    photo = upload(client, real_photos()[2].read_bytes(), activity_id="A1").json()
    assert wait_analysed(client, photo["photo_id"])["results"][0]["checks"]["display"] is None


def test_an_admin_scores_photos_sent_before_the_standard(client: TestClient) -> None:
    create_store(client)
    create_rep(client)
    put_activity(client)
    early = upload(client, real_photos()[2].read_bytes(), activity_id="A1").json()["photo_id"]
    assert wait_analysed(client, early)["results"][0]["checks"]["display"] is None
    assert publish(client, STANDARD).status_code == 200

    admin = browser(client)
    admin.headers.update(session_headers(client, Role.admin))
    body = {"activity_id": "A1", "missing_score": True}
    queued = admin.post("/v1/reanalyse", json=body)
    assert queued.status_code == 202, queued.text
    assert queued.json() == {"reanalysed": [early]}
    result = wait_analysed(client, early)["results"][0]
    assert result["checks"]["display"]["standard_id"] == "heineken-carton-stack"
    assert admin.post("/v1/reanalyse", json=body).json() == {"reanalysed": []}
    assert admin.post("/v1/reanalyse", json={}).status_code == 422  # say which photos
    events = admin.get("/v1/audit", params={"action": "photos_reanalyse"}).json()
    assert events[0]["after"]["photo_ids"] == [early]


def test_standard_versions_never_change(client: TestClient) -> None:
    put_activity(client)
    assert publish(client, STANDARD).status_code == 200
    assert publish(client, STANDARD).status_code == 200  # the same text again: a no-op
    changed = STANDARD.replace("min: 10", "min: 12", 1)
    assert publish(client, changed).status_code == 409
    assert publish(client, changed.replace("version: 1", "version: 2")).status_code == 200
    reader = session_headers(client, Role.approver)
    latest = browser(client).get("/v1/activities/A1/standard", headers=reader)
    assert latest.status_code == 200
    assert "version: 2" in latest.text


def test_a_version_older_than_the_one_in_force_is_refused(client: TestClient) -> None:
    put_activity(client)
    assert publish(client, STANDARD.replace("version: 1", "version: 5")).status_code == 200
    older = publish(
        client, STANDARD.replace("version: 1", "version: 3").replace("min: 10", "min: 12", 1)
    )
    assert older.status_code == 409
    assert "publish it as version 6" in older.json()["error"]["message"]


def test_an_invalid_standard_is_422_saying_where(client: TestClient) -> None:
    put_activity(client)
    response = publish(client, STANDARD.replace("weight: 30", "weight: -1"))
    assert response.status_code == 422
    assert "weight" in response.json()["error"]["message"]


def test_a_class_the_served_detector_lacks_is_422_naming_the_ones_it_has(
    client: TestClient,
) -> None:
    put_activity(client)
    response = publish(
        client, STANDARD.replace("classes: [beer_carton]", "classes: [beer_cartons]")
    )
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "the detector has no class beer_cartons" in message
    assert "beer_carton," in message  # the classes it does have


def test_a_standard_for_an_unknown_activity_is_404(client: TestClient, tmp_path: Path) -> None:
    assert publish(client, STANDARD, activity_id="NOPE").status_code == 404
