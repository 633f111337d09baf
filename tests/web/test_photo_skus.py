"""The photo page lists the SKUs recognised on the photo."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from shelfaudit.auth.roles import Role
from shelfaudit.store.tables import Analysis
from tests.api.helpers import browser, create_person, log_in, runtime_of
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
