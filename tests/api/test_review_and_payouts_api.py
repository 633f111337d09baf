"""Rule sets, the queue, decisions and statements through the JSON API, as people call it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfaudit.auth.roles import Role
from tests.api.helpers import browser, runtime_of, session_headers
from tests.seeds import LAST_MONTH, SCHEME, THIS_MONTH, add_photo, seed_master_data


def people(client: TestClient) -> tuple[TestClient, dict[str, str], dict[str, str]]:
    return (
        browser(client),
        session_headers(client, Role.admin),
        session_headers(client, Role.approver),
    )


def test_a_rule_set_goes_from_yaml_to_active(client: TestClient) -> None:
    web, admin, _ = people(client)
    created = web.post(
        "/v1/rule-sets", content=SCHEME, headers={**admin, "Content-Type": "application/yaml"}
    )
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    again = web.post("/v1/rule-sets", content=SCHEME, headers=admin)
    assert again.status_code == 409
    activated = web.post("/v1/rule-sets/test_scheme/1/activate", headers=admin)
    assert activated.json()["status"] == "active"
    source = web.get("/v1/rule-sets/test_scheme/1", headers=admin)
    assert source.text == SCHEME
    assert [v["status"] for v in web.get("/v1/rule-sets", headers=admin).json()] == ["active"]


def test_an_invalid_rule_set_is_422_with_where(client: TestClient) -> None:
    web, admin, _ = people(client)
    broken = SCHEME.replace("kind: clawback", "kind: clawback\n    within_days: -3")
    response = web.post("/v1/rule-sets", content=broken, headers=admin)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_rule_set"
    assert "rejected-after-payment" in error["message"]


def test_a_decision_through_the_api_releases_the_hold(client: TestClient) -> None:
    web, admin, approver = people(client)
    web.post("/v1/rule-sets", content=SCHEME, headers=admin)
    web.post("/v1/rule-sets/test_scheme/1/activate", headers=admin)
    seed_master_data(runtime_of(client))
    photo = add_photo(runtime_of(client), verdict="review", score=85)

    queue = web.get("/v1/review/queue", headers=approver).json()
    assert [item["photo_id"] for item in queue["items"]] == [photo]
    assert queue["items"][0]["at_stake_milli"] == 40_000_000

    first = web.post("/v1/payouts/runs", json={"period": LAST_MONTH.label}, headers=approver)
    assert first.status_code == 200, first.text
    (statement,) = first.json()["statements"]
    assert (statement["total"], statement["held"]) == ("0", "40000")

    decision = web.post(
        f"/v1/review/photos/{photo}/decision",
        json={"decision": "approved", "reason_code": "genuine", "comment": "checked with rep"},
        headers=approver,
    )
    assert decision.status_code == 200, decision.text
    assert web.get("/v1/review/queue", headers=approver).json()["total"] == 0

    web.post("/v1/payouts/runs", json={"period": THIS_MONTH.label}, headers=approver)
    statements = web.get(
        "/v1/payouts/statements", params={"period": THIS_MONTH.label}, headers=approver
    ).json()
    (line,) = statements[0]["lines"]
    assert (line["kind"], line["amount"], line["rule_set_id"], line["rule_id"]) == (
        "release",
        "40000",
        "test_scheme",
        "hold-under-review",
    )
    csv = web.get(
        "/v1/payouts/statements.csv", params={"period": THIS_MONTH.label}, headers=approver
    )
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    assert ",release," in csv.text
    assert "approved on" in csv.text


def test_simulation_returns_the_difference_per_rep(client: TestClient) -> None:
    web, admin, _ = people(client)
    web.post("/v1/rule-sets", content=SCHEME, headers=admin)
    web.post("/v1/rule-sets/test_scheme/1/activate", headers=admin)
    seed_master_data(runtime_of(client))
    add_photo(runtime_of(client), verdict="clean", fraud_score=0.0, score=90)
    draft = SCHEME.replace("version: 1", "version: 2").replace("amount: 40000", "amount: 50000")
    web.post("/v1/rule-sets", content=draft, headers=admin)
    diffs = web.post(
        "/v1/rule-sets/test_scheme/2/simulate",
        params={"period": LAST_MONTH.label},
        headers=admin,
    ).json()
    assert [(d["rep_id"], d["delta"], d["stored_total"]) for d in diffs] == [("R1", "10000", None)]
    # nothing was paid or stored
    assert (
        web.get("/v1/payouts/statements", params={"period": LAST_MONTH.label}, headers=admin).json()
        == []
    )


def test_a_simulation_shows_the_stored_statement_beside_what_the_active_rules_pay_today(
    client: TestClient,
) -> None:
    web, admin, _ = people(client)
    web.post("/v1/rule-sets", content=SCHEME, headers=admin)
    web.post("/v1/rule-sets/test_scheme/1/activate", headers=admin)
    seed_master_data(runtime_of(client))
    add_photo(runtime_of(client), verdict="clean", fraud_score=0.0, score=90)
    web.post("/v1/payouts/runs", json={"period": LAST_MONTH.label}, headers=admin)
    add_photo(runtime_of(client), verdict="clean", fraud_score=0.0, score=90)  # sent late
    draft = SCHEME.replace("version: 1", "version: 2").replace("amount: 40000", "amount: 50000")
    web.post("/v1/rule-sets", content=draft, headers=admin)
    (diff,) = web.post(
        "/v1/rule-sets/test_scheme/2/simulate",
        params={"period": LAST_MONTH.label},
        headers=admin,
    ).json()
    # Stored before the second photo arrived; today both pay.
    assert (diff["stored_total"], diff["old_total"], diff["new_total"]) == (
        "40000",
        "80000",
        "100000",
    )
    page = web.get(
        "/rule-sets",
        params={"simulate": "test_scheme@2", "period": LAST_MONTH.label},
        headers=admin,
    ).text
    assert "Stored statement" in page
    assert "₫40,000" in page


def test_bad_decisions_and_periods_are_client_errors(client: TestClient) -> None:
    web, _, approver = people(client)
    seed_master_data(runtime_of(client))
    photo = add_photo(runtime_of(client))
    no_reason = web.post(
        f"/v1/review/photos/{photo}/decision", json={"decision": "rejected"}, headers=approver
    )
    assert no_reason.status_code == 400
    assert no_reason.json()["error"]["field"] == "reason_code"
    assert (
        web.post(
            "/v1/review/photos/999/decision", json={"decision": "approved"}, headers=approver
        ).status_code
        == 404
    )
    bad = web.get("/v1/payouts/statements", params={"period": "May"}, headers=approver)
    assert bad.status_code == 400


def test_an_uploaded_photo_sent_to_review_lands_in_the_queue(client: TestClient) -> None:
    from tests.api.helpers import create_rep, create_store, upload, wait_analysed
    from tests.factories import jpeg_bytes

    create_store(client, "S1", region="south")
    create_rep(client, "R1")
    far = upload(client, jpeg_bytes(1600, 1200, seed=11), lat="10.9000", lon="106.7009").json()
    assert wait_analysed(client, far["photo_id"])["results"][0]["checks"]["fraud"]["verdict"] == (
        "review"
    )
    web, _, approver = people(client)
    items = web.get("/v1/review/queue", headers=approver).json()["items"]
    assert [(i["photo_id"], i["reasons"][0], i["region"]) for i in items] == [
        (far["photo_id"], "verdict_review", "south")
    ]


def test_a_decision_sent_with_what_was_seen_is_409_when_another_came_first(
    client: TestClient,
) -> None:
    web, _, approver = people(client)
    seed_master_data(runtime_of(client))
    photo = add_photo(runtime_of(client), verdict="review", score=85)
    url = f"/v1/review/photos/{photo}/decision"

    first = web.post(url, json={"decision": "approved", "seen": "none"}, headers=approver)
    assert first.status_code == 200, first.text
    stale = web.post(
        url,
        json={"decision": "rejected", "reason_code": "duplicate", "seen": "none"},
        headers=approver,
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["field"] == "seen"
    seen = first.json()["decided_at"]  # the stamp of the decision the caller knows
    fresh = web.post(
        url,
        json={"decision": "rejected", "reason_code": "duplicate", "seen": seen},
        headers=approver,
    )
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["decision"] == "rejected"


def test_a_box_corrected_through_the_api_with_the_key_it_was_read_with(
    client: TestClient,
) -> None:
    web, _, approver = people(client)
    seed_master_data(runtime_of(client))
    boxes = [{"xyxy": [10.5, 20, 110, 220], "class_name": "beer_can", "confidence": 0.9}]
    photo = add_photo(runtime_of(client), verdict="review", boxes=boxes)
    (box,) = web.get(f"/v1/review/photos/{photo}/boxes", headers=approver).json()
    assert (box["key"], box["corrected"]) == ("beer_can@11,20,110,220", False)
    url = f"/v1/review/photos/{photo}/boxes/0"
    body = {"action": "relabel", "class_name": "beer_bottle", "seen": box["key"]}
    assert web.post(url, json=body, headers=approver).status_code == 204
    stale = web.post(url, json={"action": "wrong", "seen": box["key"]}, headers=approver)
    assert stale.status_code == 409  # corrected since it was read
    (now,) = web.get(f"/v1/review/photos/{photo}/boxes", headers=approver).json()
    assert (now["class_name"], now["key"]) == ("beer_bottle", "beer_can@11,20,110,220>beer_bottle")
    assert web.get("/v1/review/photos/999/boxes", headers=approver).status_code == 404


def test_a_box_round_a_missed_object_is_drawn_listed_and_taken_back(client: TestClient) -> None:
    web, _, approver = people(client)
    seed_master_data(runtime_of(client))
    photo = add_photo(runtime_of(client), verdict="review", boxes=[])
    url = f"/v1/review/photos/{photo}/drawn-boxes"
    body = {"class_name": "beer_crate", "xyxy": [300, 250, 100, 40]}
    made = web.post(url, json=body, headers=approver)
    assert made.status_code == 201, made.text
    assert made.json()["xyxy"] == [100, 40, 300, 240]  # ordered and clipped to 320 x 240
    assert made.json()["created_by"].startswith("approver")
    assert web.post(url, json=body, headers=approver).status_code == 409  # drawn already
    typo = web.post(url, json={**body, "class_name": "beer_crat"}, headers=approver)
    assert typo.status_code == 400
    assert typo.json()["error"]["field"] == "class_name"
    for bad in ([1, 2, 3], [0, 0, "wide", 9], [0, 0, 1e9, 9]):
        refused = web.post(url, json={**body, "xyxy": bad}, headers=approver)
        assert refused.status_code == 422, bad
    (listed,) = web.get(url, headers=approver).json()
    assert listed["class_name"] == "beer_crate"
    gone = web.delete(f"{url}/{listed['id']}", headers=approver)
    assert gone.status_code == 204
    assert web.get(url, headers=approver).json() == []
    assert web.delete(f"{url}/999", headers=approver).status_code == 404
    assert web.get("/v1/review/photos/999/drawn-boxes", headers=approver).status_code == 404


def test_an_admin_closes_an_ended_period_and_its_run_is_then_refused(
    client: TestClient,
) -> None:
    web, admin, approver = people(client)
    web.post("/v1/rule-sets", content=SCHEME, headers=admin)
    web.post("/v1/rule-sets/test_scheme/1/activate", headers=admin)
    seed_master_data(runtime_of(client))
    add_photo(runtime_of(client), verdict="clean", fraud_score=0.0, score=85)
    period = {"period": LAST_MONTH.label}
    assert web.post("/v1/payouts/runs", json=period, headers=approver).status_code == 200

    assert f"Close {LAST_MONTH.label}" in web.get("/payouts", params=period, headers=admin).text
    assert "Close" not in web.get("/payouts", params=period, headers=approver).text
    assert web.post("/v1/payouts/closures", json=period, headers=approver).status_code == 403
    closed = web.post("/v1/payouts/closures", json=period, headers=admin)
    assert closed.status_code == 200, closed.text
    assert (closed.json()["period"], closed.json()["statements"]) == (LAST_MONTH.label, 1)

    again = web.post("/v1/payouts/runs", json=period, headers=approver)
    assert again.status_code == 409
    assert "its statements are final" in again.json()["error"]["message"]
    (statement,) = web.get("/v1/payouts/statements", params=period, headers=approver).json()
    assert statement["closed_by"] == closed.json()["closed_by"]
    assert statement["provisional"] is False
    page = web.get("/payouts", params=period, headers=approver)
    assert "final, never run again" in page.text
    assert f"Run {LAST_MONTH.label}" not in page.text


def test_a_period_still_running_is_refused_closing(client: TestClient) -> None:
    web, admin, _ = people(client)
    response = web.post("/v1/payouts/closures", json={"period": THIS_MONTH.label}, headers=admin)
    assert response.status_code == 409
    assert "close it after it ends" in response.json()["error"]["message"]


def test_a_comment_with_escape_or_direction_codes_is_refused_naming_the_comment(
    client: TestClient,
) -> None:
    web, _, approver = people(client)
    seed_master_data(runtime_of(client))
    photo = add_photo(runtime_of(client), verdict="review")
    for comment in ("ok\x1b[2J", "ok\x00", "ok \u202etxt.exe"):
        response = web.post(
            f"/v1/review/photos/{photo}/decision",
            json={"decision": "approved", "reason_code": "genuine", "comment": comment},
            headers=approver,
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"]["field"] == "comment"
    fine = web.post(
        f"/v1/review/photos/{photo}/decision",
        json={"decision": "approved", "reason_code": "genuine", "comment": "called\nthe rep"},
        headers=approver,
    )
    assert fine.status_code == 200, fine.text


def test_the_sfa_app_reads_whether_a_person_is_looking_and_what_they_decided(
    client: TestClient,
) -> None:
    web, _, approver = people(client)
    seed_master_data(runtime_of(client))
    queued = add_photo(runtime_of(client), verdict="review", score=85)
    clean = add_photo(runtime_of(client), verdict="clean", score=85)

    waiting = client.get(f"/v1/photos/{queued}").json()["review"]
    assert waiting["state"] == "waiting"
    assert waiting["reasons"] == ["verdict_review"]
    assert waiting["decision"] is None
    assert client.get(f"/v1/photos/{clean}").json()["review"]["state"] == "not_needed"

    web.post(
        f"/v1/review/photos/{queued}/decision",
        json={"decision": "rejected", "reason_code": "recapture", "comment": "a photo of a screen"},
        headers=approver,
    )

    decided = client.get(f"/v1/photos/{queued}").json()["review"]
    assert decided["state"] == "decided"
    assert (decided["decision"], decided["reason_code"]) == ("rejected", "recapture")
    assert decided["comment"] == "a photo of a screen"
    assert decided["decided_at"]
    listed = {p["id"]: p["review"]["state"] for p in client.get("/v1/photos").json()}
    assert listed == {queued: "decided", clean: "not_needed"}


def test_the_sfa_app_syncs_only_what_changed_since_it_last_asked(client: TestClient) -> None:
    from datetime import timedelta

    from shelfaudit.store.tables import Photo, utcnow

    web, _, approver = people(client)
    runtime = runtime_of(client)
    seed_master_data(runtime)
    decided, untouched = (add_photo(runtime, verdict="review", score=85) for _ in range(2))
    with runtime.sessions.begin() as session:
        for photo_id in (decided, untouched):
            session.get_one(Photo, photo_id).updated_at = utcnow() - timedelta(hours=2)
    last_sync = (utcnow() - timedelta(hours=1)).isoformat()
    web.post(
        f"/v1/review/photos/{decided}/decision",
        json={"decision": "approved", "reason_code": "genuine"},
        headers=approver,
    )

    changed = client.get("/v1/photos", params={"changed_since": last_sync}).json()
    everything = client.get("/v1/photos").json()

    assert [p["id"] for p in changed] == [decided]
    assert changed[0]["review"]["decision"] == "approved"
    assert {p["id"] for p in everything} == {decided, untouched}
    unzoned = client.get("/v1/photos", params={"changed_since": "2026-05-01T00:00:00"})
    assert unzoned.status_code == 422


@pytest.mark.parametrize(
    ("offset", "paid_in_last_month"), [("+00:00", "late"), ("+07:00", "early")]
)
def test_statement_months_start_at_the_business_midnight(
    tmp_path: Path, offset: str, paid_in_last_month: str
) -> None:
    """Two photos taken at 04:00 in Hanoi on the 1st: of last month and of this month. In
    UTC they fall on the previous day, so a UTC month pays the wrong one."""
    from shelfaudit.api.app import create_app
    from tests.conftest import embedded_settings

    settings = embedded_settings(tmp_path / "data", business_utc_offset=offset)
    with TestClient(create_app(settings)) as client:
        web, admin, approver = people(client)
        web.post("/v1/rule-sets", content=SCHEME, headers=admin)
        web.post("/v1/rule-sets/test_scheme/1/activate", headers=admin)
        seed_master_data(runtime_of(client))
        # 04:00 at +07:00 on the 1st is 21:00 UTC on the last day of the month before.
        early = add_photo(
            runtime_of(client), verdict="clean", fraud_score=0.0,
            captured_at=LAST_MONTH.start - timedelta(hours=3),
        )  # fmt: skip
        late = add_photo(
            runtime_of(client), verdict="clean", fraud_score=0.0,
            captured_at=THIS_MONTH.start - timedelta(hours=3),
        )  # fmt: skip
        run = web.post("/v1/payouts/runs", json={"period": LAST_MONTH.label}, headers=approver)
        assert run.status_code == 200, run.text
        paid = {line["photo_ids"][0] for s in run.json()["statements"] for line in s["lines"]}
        assert paid == {early if paid_in_last_month == "early" else late}
        (statement,) = web.get(
            "/v1/payouts/statements", params={"period": LAST_MONTH.label}, headers=approver
        ).json()
        assert statement["period"]["offset_min"] == (420 if offset == "+07:00" else 0)


def test_the_service_refuses_to_start_when_the_business_offset_changed_after_a_run(
    tmp_path: Path,
) -> None:
    from shelfaudit.api.app import create_app
    from shelfaudit.errors import OffsetChanged
    from tests.conftest import embedded_settings

    data = tmp_path / "data"
    with TestClient(create_app(embedded_settings(data, business_utc_offset="+07:00"))) as client:
        web, admin, approver = people(client)
        web.post("/v1/rule-sets", content=SCHEME, headers=admin)
        web.post("/v1/rule-sets/test_scheme/1/activate", headers=admin)
        run = web.post("/v1/payouts/runs", json={"period": LAST_MONTH.label}, headers=approver)
        assert run.status_code == 200, run.text
    # Under +00:00 the stored month would not be found again, nor closed.
    changed = create_app(embedded_settings(data, business_utc_offset="+00:00"))
    refused = pytest.raises(OffsetChanged, match=r"run with SHELFAUDIT_BUSINESS_UTC_OFFSET=\+07:00")
    with refused, TestClient(changed):
        pass
    with TestClient(create_app(embedded_settings(data, business_utc_offset="+07:00"))):
        pass  # set back, it starts
