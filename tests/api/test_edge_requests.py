"""Requests at the edges of what the API takes: huge ids, extreme dates, unknown paths and
fields, unfinished photos. Each gets a 4xx in the one error shape, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from shelfaudit.auth.roles import Role
from shelfaudit.domain.enums import PhotoStatus
from shelfaudit.domain.ids import MAX_ROW_ID
from shelfaudit.errors import InvalidInput
from shelfaudit.store.tables import Photo, Store
from tests.api.helpers import (
    create_rep,
    create_store,
    runtime_of,
    session_headers,
    upload,
    wait_analysed,
)
from tests.factories import jpeg_bytes

HUGE = MAX_ROW_ID + 1  # 2**63: no stored row can have it

# (method, path, JSON body, the field the error names); called as an admin.
HUGE_IDS: list[tuple[str, str, Any, str]] = [
    ("GET", f"/v1/photos/{HUGE}", None, "photo_id"),
    ("GET", f"/v1/photos/{HUGE}/original", None, "photo_id"),
    ("GET", f"/v1/photos?after_id={HUGE}", None, "after_id"),
    ("GET", f"/v1/photos/{HUGE}/overlay.jpg", None, "photo_id"),
    ("GET", f"/v1/audit?after_id={HUGE}", None, "after_id"),
    ("GET", f"/v1/rule-sets/heineken_2026/{HUGE}", None, "version"),
    ("POST", f"/v1/rule-sets/heineken_2026/{HUGE}/activate", None, "version"),
    ("GET", f"/v1/skus/SKU1/packshots/{HUGE}/image", None, "packshot_id"),
    ("POST", f"/v1/review/photos/{HUGE}/decision", {"decision": "approved"}, "photo_id"),
    ("POST", "/v1/review/bulk-approve", {"photo_ids": [1, HUGE]}, "photo_ids.1"),
    ("POST", f"/v1/review/photos/1/boxes/{HUGE}", {"action": "wrong"}, "box_index"),
    ("POST", "/v1/skus/SKU1/examples", {"photo_id": HUGE}, "photo_id"),
]


@pytest.fixture
def admin(client: TestClient) -> TestClient:
    client.headers.pop("Authorization")
    client.headers.update(session_headers(client, Role.admin))
    return client


@pytest.mark.parametrize(
    ("method", "path", "body", "field"), HUGE_IDS, ids=[f"{m} {p}" for m, p, _, _ in HUGE_IDS]
)
def test_an_id_past_the_stored_range_is_422_naming_it(
    admin: TestClient, method: str, path: str, body: Any, field: str
) -> None:
    response = admin.request(method, path, json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/review/queue?date_to=9999-12-31", 200),
        ("/v1/review/queue?date_from=0001-01-01&date_to=9999-12-31", 200),
        ("/v1/payouts/statements?period=9999-W52", 400),
        ("/v1/payouts/statements?period=9999-12", 400),
        ("/v1/payouts/statements?period=2026-05-01..2026-05-01", 400),
    ],
)
def test_extreme_dates_in_queries_are_answered(admin: TestClient, path: str, status: int) -> None:
    response = admin.get(path)
    assert response.status_code == status, response.text
    if status == 400:
        error = response.json()["error"]
        assert error["field"] == "period"
        assert "validation error" not in error["message"]


def test_a_one_day_period_is_explained(admin: TestClient) -> None:
    response = admin.get("/v1/payouts/statements?period=2026-05-01..2026-05-01")
    assert "one day is 2026-05-01..2026-05-02" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("captured_at", "says"),
    [
        ("0001-01-01T00:00:00+01:00", "out of the range"),
        ("9999-12-31T23:59:59-01:00", "out of the range"),
        ("2026-05-12T09:30:00+23:59", "offset"),
        ("1760000000", "ISO 8601"),
    ],
)
def test_impossible_capture_times_are_422(client: TestClient, captured_at: str, says: str) -> None:
    create_store(client)
    create_rep(client)
    response = upload(client, jpeg_bytes(800, 600), captured_at=captured_at)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == "captured_at"
    assert says in error["message"]
    assert "Value error" not in error["message"]


def test_an_activity_from_year_one_is_422(client: TestClient) -> None:
    body = {"name": "x", "valid_from": "0001-01-01T00:00:00+01:00"}
    response = client.put("/v1/activities/A1", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "valid_from"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/v1/nothing-here", 404, "not_found"),
        ("DELETE", "/v1/stores/S1", 405, "method_not_allowed"),
        ("PATCH", "/v1/photos", 405, "method_not_allowed"),
    ],
)
def test_unknown_paths_and_methods_answer_in_the_error_shape(
    client: TestClient, method: str, path: str, status: int, code: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_405_lists_every_method_the_path_takes(client: TestClient) -> None:
    response = client.delete("/v1/stores/S1")
    assert set(response.headers["allow"].split(", ")) == {"GET", "PUT"}


def test_a_page_path_that_does_not_exist_is_an_html_404(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


def test_a_body_that_is_not_json_is_422_for_the_body(client: TestClient) -> None:
    response = client.put(
        "/v1/stores/S1", content=b"{name: x", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] is None
    assert error["message"].startswith("the body is not valid JSON")


def test_a_rule_over_the_whole_body_names_no_field(client: TestClient) -> None:
    response = client.put("/v1/stores/S1", json={"name": "x", "lat": 10.0})
    error = response.json()["error"]
    assert (response.status_code, error["field"]) == (422, None)
    assert error["message"] == "lat and lon must be given together"


@pytest.mark.parametrize(
    ("form", "files", "field"),
    [
        ({"store_idd": "S1"}, 1, "store_idd"),
        ({}, 2, "file"),
    ],
    ids=["misspelt_field", "two_files"],
)
def test_an_upload_with_fields_we_do_not_read_is_422(
    client: TestClient, form: dict[str, str], files: int, field: str
) -> None:
    image = ("shelf.jpg", jpeg_bytes(800, 600), "image/jpeg")
    response = client.post("/v1/photos", data=form, files=[("file", image)] * files)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert client.get("/v1/photos").json() == []


def test_a_blank_store_name_is_422(client: TestClient) -> None:
    response = client.put("/v1/stores/S1", json={"name": "   "})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "name"


def test_unknown_master_data_is_named_in_the_singular(client: TestClient) -> None:
    response = client.get("/v1/activities/NOPE")
    assert response.json()["error"]["message"] == "activity 'NOPE' does not exist"


def test_master_data_lists_page_on_after_the_last_id(client: TestClient) -> None:
    for store_id in ("S1", "S2", "S3", "S4", "S5"):
        create_store(client, store_id)
    first = client.get("/v1/stores?limit=2").json()
    assert [s["id"] for s in first] == ["S1", "S2"]
    rest = client.get(f"/v1/stores?after={first[-1]['id']}&limit=10").json()
    assert [s["id"] for s in rest] == ["S3", "S4", "S5"]
    assert client.get("/v1/stores?limit=1001").status_code == 422


def set_status(client: TestClient, photo_id: int, status: PhotoStatus) -> None:
    with runtime_of(client).sessions.begin() as session:
        photo = session.get(Photo, photo_id)
        assert photo is not None
        photo.status = status.value


@pytest.mark.parametrize("status", [PhotoStatus.received, PhotoStatus.processing])
def test_an_unfinished_photo_cannot_be_approved_but_can_be_rejected(
    client: TestClient, status: PhotoStatus
) -> None:
    create_store(client)
    create_rep(client)
    photo_id = upload(client, jpeg_bytes(800, 600)).json()["photo_id"]
    wait_analysed(client, photo_id)
    set_status(client, photo_id, status)
    approver = session_headers(client, Role.approver)
    del client.headers["Authorization"]
    path = f"/v1/review/photos/{photo_id}/decision"
    approved = client.post(path, json={"decision": "approved"}, headers=approver)
    assert approved.status_code == 409, approved.text
    assert approved.json()["error"]["code"] == "not_analysed"
    rejected = client.post(
        path, json={"decision": "rejected", "reason_code": "recapture"}, headers=approver
    )
    assert rejected.status_code == 200, rejected.text


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer sa_not_a_key"}, 401),
        ({"Cookie": "shelfaudit_session=stale"}, 401),
    ],
    ids=["nobody", "wrong_key", "stale_session"],
)
def test_who_is_asking_comes_before_what_they_sent(
    client: TestClient, headers: dict[str, str], status: int
) -> None:
    del client.headers["Authorization"]
    response = client.put(
        "/v1/reps/R1",
        content=b"{not json",
        headers={"content-type": "application/json", **headers},
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_known_caller_still_hears_about_a_bad_body(client: TestClient) -> None:
    response = client.put(
        "/v1/reps/R1", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_a_bad_login_body_is_422_for_anyone(client: TestClient) -> None:
    del client.headers["Authorization"]
    assert client.post("/v1/session", json={"username": "x"}).status_code == 422


@pytest.mark.parametrize(
    "query",
    [
        "after=99999999999999999999.1.1",
        "before=1.99999999999999999999.1",
        "after=9223372036854775808.0.0",
        "after=１.２.３",
        "after=1_0.2.3",
        "after= 1.2.3",
        "after=abc",
    ],
)
def test_a_cursor_that_encode_never_wrote_is_400(admin: TestClient, query: str) -> None:
    response = admin.get(f"/v1/review/queue?{query}")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["field"] == query.split("=")[0]


@pytest.mark.parametrize("path", ["/v1/review/queue", "/review"])
def test_paging_both_ways_at_once_is_400(admin: TestClient, path: str) -> None:
    # One of them used to win silently, so a script could walk the wrong way.
    response = admin.get(path, params={"after": "1.2.3", "before": "1.2.3"})
    assert response.status_code == 400, response.text
    assert "not both" in response.text


@pytest.mark.parametrize(
    "period", ["9999-12-30..9999-12-31", "9999-12-27..9999-12-31", "0001-W01", "２０２６-05"]
)
def test_periods_past_the_calendar_are_400_everywhere(admin: TestClient, period: str) -> None:
    run = admin.post("/v1/payouts/runs", json={"period": period})
    csv = admin.get("/v1/payouts/statements.csv", params={"period": period})
    assert (run.status_code, csv.status_code) == (400, 400), (run.text, csv.text)
    assert run.json()["error"]["field"] == "period"


@pytest.mark.parametrize("simulate", ["x@²", "x@99999999999999999999", "x@"])
def test_the_rule_sets_page_refuses_an_odd_simulation(admin: TestClient, simulate: str) -> None:
    response = admin.get("/rule-sets", params={"simulate": simulate, "period": "2026-05"})
    assert response.status_code == 400
    assert "id@version" in response.text


def test_a_nul_character_is_refused_before_it_reaches_the_database(client: TestClient) -> None:
    # PostgreSQL cannot store NUL in text; SQLite can. Names refuse it (and every control
    # character) in their schema; any other column at flush (store/database.py).
    response = client.put("/v1/stores/S1", json={"name": "Kiosk\u0000 Le Loi"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "name"
    assert client.get("/v1/stores").json() == []
    with runtime_of(client).sessions() as session:
        session.add(Store(id="S2", name="Kiosk", region="south\x00"))
        with pytest.raises(InvalidInput, match="region contains a NUL"):
            session.flush()


@pytest.mark.parametrize("name", ["line1\nline2", "red\u001b[31m", "\u200b"])
def test_names_are_one_line_of_visible_text(client: TestClient, name: str) -> None:
    for path in ("/v1/stores/S1", "/v1/reps/R1", "/v1/activities/A1"):
        response = client.put(path, json={"name": name})
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"]["field"] == "name"


def test_control_characters_in_upload_fields_are_422(client: TestClient) -> None:
    create_store(client)
    create_rep(client)
    response = upload(client, jpeg_bytes(800, 600), device_model="SM-A515F\x00")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "device_model"
    assert client.get("/v1/photos").json() == []


@pytest.mark.parametrize("since", ["0", "1", "20260501", "２０２６-05-01"])
def test_label_export_takes_a_written_date_only(admin: TestClient, since: str) -> None:
    response = admin.get("/v1/labels/export", params={"since": since})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "since"


@pytest.mark.parametrize("share", ["-0.1", "0.95", "1", "nan", "a fifth"])
def test_label_export_val_share_lies_in_0_to_0_9(admin: TestClient, share: str) -> None:
    response = admin.get("/v1/labels/export", params={"since": "2026-01-01", "val_share": share})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "val_share"


def test_label_export_says_how_many_photos_are_in_val(admin: TestClient) -> None:
    response = admin.get("/v1/labels/export", params={"since": "2026-01-01", "val_share": "0"})
    assert response.status_code == 200
    assert response.headers["X-Val-Images"] == "0"


@pytest.mark.parametrize(
    "path",
    ["/v1/skus?q=%00", "/v1/photos?store_id=a%00b", "/v1/audit?action=%00", "/review?region=%00"],
)
def test_a_nul_in_the_address_is_400_before_any_query(admin: TestClient, path: str) -> None:
    # PostgreSQL cannot compare text holding NUL: these were 500s there (and q=%00 matched
    # every SKU on SQLite).
    response = admin.get(path)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_input"


def test_a_login_name_with_a_nul_is_a_wrong_login(client: TestClient) -> None:
    del client.headers["Authorization"]
    response = client.post("/v1/session", json={"username": "adm\u0000in", "password": "x" * 12})
    assert response.status_code == 401


@pytest.mark.parametrize("ids", [[True], ["2"], [2.0]])
def test_bulk_approval_takes_ids_as_json_numbers_only(admin: TestClient, ids: list[object]) -> None:
    response = admin.post("/v1/review/bulk-approve", json={"photo_ids": ids})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "photo_ids.0"


@pytest.mark.parametrize("day", ["2026-W01", "20260501", "2026-5-1"])
def test_queue_dates_are_written_dates(admin: TestClient, day: str) -> None:
    response = admin.get("/v1/review/queue", params={"date_from": day})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "date_from"


def test_a_wrong_reason_says_which_verb(admin: TestClient) -> None:
    from tests.seeds import add_photo, seed_master_data

    runtime = runtime_of(admin)
    seed_master_data(runtime)
    photo_id = add_photo(runtime, verdict="clean", fraud_score=0.0)
    response = admin.post(
        f"/v1/review/photos/{photo_id}/decision",
        json={"decision": "rejected", "reason_code": "genuine"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("genuine is not a reason to reject;")


def test_an_anonymous_body_is_refused_before_it_is_read() -> None:
    import asyncio

    from shelfaudit.api.anonymous_guard import AnonymousBodyGuard

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        raise AssertionError("the route ran")

    async def receive() -> dict[str, object]:
        raise AssertionError("the body was read")

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/photos",
        "headers": [(b"content-type", b"multipart/form-data; boundary=x")],
    }
    asyncio.run(AnonymousBodyGuard(app)(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]["status"] == 401
    assert b'"unauthenticated"' in sent[1]["body"]  # type: ignore[operator]


@pytest.mark.parametrize(
    ("method", "path", "headers", "guarded"),
    [
        ("POST", "/v1/session", {}, False),  # logging in
        ("POST", "/v1/photos", {"Authorization": "Bearer x"}, False),
        ("POST", "/v1/photos", {"X-API-Key": "x"}, False),
        ("POST", "/v1/photos", {"Cookie": "a=1; shelfaudit_session=x"}, False),
        ("GET", "/v1/photos", {}, False),  # no body: the route answers
        ("POST", "/login", {}, False),  # pages answer with their own forms
        ("PUT", "/v1/reps/R1", {}, True),
    ],
)
def test_only_credential_less_api_bodies_are_stopped_early(
    method: str, path: str, headers: dict[str, str], guarded: bool
) -> None:
    import asyncio

    from shelfaudit.api.anonymous_guard import AnonymousBodyGuard

    reached: list[bool] = []

    async def app(scope: object, receive: object, send: object) -> None:
        reached.append(True)

    async def nothing() -> None:
        return None

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }

    async def send(message: object) -> None:
        return None

    asyncio.run(AnonymousBodyGuard(app)(scope, nothing, send))  # type: ignore[arg-type]
    assert reached == ([] if guarded else [True])
