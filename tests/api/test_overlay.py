"""GET /v1/photos/{id}/overlay.jpg, and its twin beside the review page."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image

from shelfaudit.auth.roles import Role
from tests.api.helpers import browser, runtime_of, session_headers
from tests.factories import jpeg_bytes
from tests.review.overlay_factories import criterion, detections, display, stored_photo


def analysed_photo(client: TestClient) -> int:
    checks = {
        "detections": detections([("heineken", [40.0, 30.0, 200.0, 180.0])]).model_dump(
            mode="json"
        ),
        "display": display([criterion("facings", passed=False, mandatory=True)]).model_dump(
            mode="json"
        ),
    }
    return stored_photo(
        runtime_of(client), jpeg_bytes(640, 480, seed=7), width=640, height=480, checks=checks
    )


def test_the_overlay_is_a_jpeg_of_the_size_asked_for(client: TestClient) -> None:
    photo_id = analysed_photo(client)

    response = client.get(f"/v1/photos/{photo_id}/overlay.jpg", params={"max_side": 320})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(response.content))
    image.load()
    assert image.width == 320  # the landscape photo at 320 x 240, the panel below it
    assert image.height > 240
    assert response.headers["cache-control"] == "private, no-cache"
    etag = response.headers["etag"]
    again = client.get(
        f"/v1/photos/{photo_id}/overlay.jpg",
        params={"max_side": 320},
        headers={"If-None-Match": etag},
    )
    assert again.status_code == 304
    assert again.content == b""
    for sent, status in (
        (f'"other", {etag}', 304),  # a list, as caches send
        (f"W/{etag}", 304),  # a weak tag: compared weakly
        ("*", 304),
        ('"other"', 200),
    ):
        answer = client.get(
            f"/v1/photos/{photo_id}/overlay.jpg",
            params={"max_side": 320},
            headers={"If-None-Match": sent},
        )
        assert answer.status_code == status, sent


def test_the_default_size_never_enlarges_the_photo(client: TestClient) -> None:
    photo_id = analysed_photo(client)

    response = client.get(f"/v1/photos/{photo_id}/overlay.jpg")

    assert Image.open(io.BytesIO(response.content)).width == 640


def test_an_unknown_photo_is_404(client: TestClient) -> None:
    response = client.get("/v1/photos/999999/overlay.jpg")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_photo_not_analysed_yet_is_409(client: TestClient) -> None:
    runtime = runtime_of(client)
    photo_id = stored_photo(runtime, jpeg_bytes(320, 240), width=320, height=240, checks=None)

    response = client.get(f"/v1/photos/{photo_id}/overlay.jpg")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_analysed"


def test_max_side_is_bounded(client: TestClient) -> None:
    photo_id = analysed_photo(client)
    for value in (255, 4097):
        response = client.get(f"/v1/photos/{photo_id}/overlay.jpg", params={"max_side": value})
        assert response.status_code == 422, value
        assert response.json()["error"]["field"] == "max_side"


def test_the_api_needs_an_api_key_and_the_review_twin_a_reader(client: TestClient) -> None:
    photo_id = analysed_photo(client)
    anonymous = browser(client)
    reader = session_headers(client, Role.approver)

    assert anonymous.get(f"/v1/photos/{photo_id}/overlay.jpg").status_code == 401
    assert anonymous.get(f"/v1/photos/{photo_id}/overlay.jpg", headers=reader).status_code == 403
    page = anonymous.get(f"/review/photos/{photo_id}/overlay.jpg", headers=reader)
    assert page.status_code == 200
    assert page.headers["content-type"] == "image/jpeg"
    assert anonymous.get(f"/review/photos/{photo_id}/overlay.jpg").status_code == 303  # log in


def test_the_review_page_links_the_overlay_once_analysed(client: TestClient) -> None:
    analysed = analysed_photo(client)
    waiting = stored_photo(
        runtime_of(client), jpeg_bytes(320, 240, seed=8), width=320, height=240, checks=None
    )
    web = browser(client)
    reader = session_headers(client, Role.ml_engineer)

    link = f'href="/review/photos/{analysed}/overlay.jpg"'
    assert link in web.get(f"/review/photos/{analysed}", headers=reader).text
    assert "overlay.jpg" not in web.get(f"/review/photos/{waiting}", headers=reader).text


def test_a_box_a_reviewer_draws_changes_the_overlay_and_its_etag(client: TestClient) -> None:
    from shelfaudit.review.drawn_boxes import draw_box
    from tests.seeds import APPROVER

    checks = {
        "decode": {"width": 640, "height": 480, "orientation": 1},
        "detections": detections([("heineken", [40.0, 30.0, 200.0, 180.0])]).model_dump(
            mode="json"
        ),
    }
    photo_id = stored_photo(
        runtime_of(client), jpeg_bytes(640, 480, seed=8), width=640, height=480, checks=checks
    )
    url = f"/v1/photos/{photo_id}/overlay.jpg"
    before = client.get(url, params={"max_side": 320})
    with runtime_of(client).sessions.begin() as session:
        draw_box(
            session, photo_id=photo_id, class_name="beer_crate", xyxy=(20, 20, 200, 200),
            actor=APPROVER,
        )  # fmt: skip
    after = client.get(
        url, params={"max_side": 320}, headers={"If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200  # not 304: the picture changed
    assert after.headers["etag"] != before.headers["etag"]
    assert after.content != before.content
