"""The photo page lists the SKUs recognised on the photo, and a person confirms facings."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from shelfaudit.auth.roles import Role
from shelfaudit.store.catalogue import list_packshots
from shelfaudit.store.tables import Analysis
from tests.api.helpers import browser, create_person, log_in, page_csrf, runtime_of
from tests.catalogue_factories import Catalogue
from tests.seeds import add_photo, seed_master_data

SKUS = {
    "items": [
        {"box": 0, "sku_id": "hnk-silver", "name": "Heineken Silver 330", "similarity": 0.91},
        {"box": 1, "sku_id": "hnk-silver", "name": "Heineken Silver 330", "similarity": 0.83},
        {"box": 2, "sku_id": None, "name": None, "similarity": 0.31},
    ],
    "counts": {"hnk-silver": 2},
    "unknown": 1,
}


def test_the_photo_page_lists_recognised_skus(client: TestClient) -> None:
    runtime = runtime_of(client)
    seed_master_data(runtime)
    photo_id = add_photo(runtime, verdict="review", fraud_score=0.5)
    with runtime.sessions.begin() as session:
        analysis = session.scalar(select(Analysis).where(Analysis.photo_id == photo_id))
        assert analysis is not None
        analysis.checks = {**analysis.checks, "skus": SKUS}
    web = browser(client)
    log_in(web, create_person(client, Role.approver))

    page = web.get(f"/review/photos/{photo_id}").text

    section = page[page.index("<h2>SKUs</h2>") :]
    assert "data-skus" in section
    assert "Heineken Silver 330" in section
    assert "hnk-silver" in section
    assert "0.91" in section
    assert "unknown" in section


def test_a_person_confirms_a_facing_from_the_photo_page(client: TestClient) -> None:
    runtime = runtime_of(client)
    seed_master_data(runtime)
    catalogue = Catalogue(runtime.engine, runtime.sessions, runtime.objects)  # type: ignore[arg-type]
    catalogue.add_sku("hnk-silver")
    photo_id = add_photo(runtime, verdict="review", fraud_score=0.5)
    items = [dict(item, xyxy=[40.0, 30.0, 200.0, 180.0]) for item in SKUS["items"]]
    with runtime.sessions.begin() as session:
        analysis = session.scalar(select(Analysis).where(Analysis.photo_id == photo_id))
        assert analysis is not None
        analysis.checks = {**analysis.checks, "skus": {**SKUS, "items": items}}
    web = browser(client)
    log_in(web, create_person(client, Role.ml_engineer))
    page = web.get(f"/review/photos/{photo_id}").text
    assert "data-facings" in page
    assert f'action="/review/photos/{photo_id}/skus/2"' in page
    assert "(box 2)" in page
    assert '<option value="hnk-silver">' in page
    token = page_csrf(web, f"/review/photos/{photo_id}")

    confirmed = web.post(
        f"/review/photos/{photo_id}/skus/2", data={"sku_id": "hnk-silver", "csrf_token": token}
    )
    missing = web.post(
        f"/review/photos/{photo_id}/skus/7", data={"sku_id": "hnk-silver", "csrf_token": token}
    )
    unknown = web.post(
        f"/review/photos/{photo_id}/skus/2", data={"sku_id": "nope", "csrf_token": token}
    )

    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == f"/review/photos/{photo_id}"
    assert missing.status_code == 404
    # An id typed by hand that is not in the catalogue: back on the photo, saying so.
    assert unknown.status_code == 303
    assert unknown.headers["location"] == f"/review/photos/{photo_id}?done=unknown_sku"
    assert "not in the catalogue" in web.get(unknown.headers["location"]).text
    with runtime.sessions() as session:
        (row,) = list_packshots(session, sku_id="hnk-silver")
    assert (row.kind, row.source_photo_id) == ("shelf_crop", photo_id)
    # 160 x 150 original pixels and 5 % padding on each side (x 32-208, y 22-188: halves
    # round to even), on a 320 x 240 photo analysed as it is.
    assert (row.width, row.height) == (176, 166)
