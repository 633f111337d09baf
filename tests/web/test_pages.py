"""The review pages rendered by the server: what a reviewer sees and what their forms do."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from shelfaudit.auth.roles import Role
from shelfaudit.commission import Cadence, Period
from tests.api.helpers import browser, create_person, log_in, page_csrf, runtime_of
from tests.seeds import add_photo, add_scheme, seed_master_data

MATCH = {
    "photo_id": 1,
    "kind": "near",
    "store_id": "S2",
    "rep_id": "R2",
    "received_at": "2026-05-02T10:00:00+00:00",
    "pdq_distance": 12,
    "phash_distance": 2,
    "dhash_distance": 1,
    "inliers": 87,
    "stage": "local_features",
    "variant": "rotate_90",
}
BOXES = [
    {"xyxy": [10, 20, 110, 220], "class_name": "heineken_can", "confidence": 0.91},
    {"xyxy": [150, 20, 250, 120], "class_name": "tiger_can", "confidence": 0.44},
]


@pytest.fixture
def seeded(client: TestClient) -> list[int]:
    runtime = runtime_of(client)
    seed_master_data(runtime)
    add_scheme(runtime)
    first = add_photo(runtime, verdict="clean", fraud_score=0.0, score=85, rep_id="R2")
    second = add_photo(
        runtime, verdict="review", fraud_score=0.7, matches=[MATCH], boxes=BOXES, recapture=0.31
    )
    third = add_photo(runtime, verdict="review", fraud_score=0.4, store_id="S2")
    clean = add_photo(runtime, verdict="clean", fraud_score=0.0, score=79)
    return [first, second, third, clean]


def approver(client: TestClient) -> tuple[TestClient, str]:
    web = browser(client)
    log_in(web, create_person(client, Role.approver))
    return web, page_csrf(web, "/review")


def test_the_queue_lists_open_items_riskiest_first_with_filters(
    client: TestClient, seeded: list[int]
) -> None:
    web, _ = approver(client)
    page = web.get("/review").text
    rows = [page.index(f">#{i}<") for i in seeded[1:]]
    assert rows[0] < rows[1] < rows[2]  # risk 0.70, then 0.40, then the clean one
    assert f">#{seeded[0]}<" not in page  # clean and far from any threshold
    assert "3 open" in page
    assert "₫40,000" in page
    north = web.get("/review", params={"region": "north"}).text
    assert f">#{seeded[2]}<" in north
    assert f">#{seeded[1]}<" not in north


def test_the_photo_page_shows_the_evidence_and_the_payout(
    client: TestClient, seeded: list[int]
) -> None:
    web, _ = approver(client)
    page = web.get(f"/review/photos/{seeded[1]}").text
    for expected in (
        "Taken 13 km from the store.",  # the fraud reason
        "inliers",
        "87",
        "local features",
        "rotate 90",
        f"/review/photos/{MATCH['photo_id']}/image?size=320",  # the earlier photo, side by side
        "Recapture probability <strong>31%</strong>",
        "Distance to the store",
        "13 km",
        'data-class="heineken_can"',
        'data-toggle-class="tiger_can"',
        "held ₫40,000",  # the payout it triggers, held while under review
        "test_scheme@1/display-bands",
        "Rep's recent photos",
        f"#{seeded[3]}",
    ):
        assert expected in page, expected
    assert 'id="approve-form"' in page


def test_a_decision_goes_to_the_next_item_and_into_the_trail(
    client: TestClient, seeded: list[int]
) -> None:
    web, token = approver(client)
    response = web.post(
        f"/review/photos/{seeded[1]}/decision",
        data={"decision": "rejected", "reason_code": "duplicate", "comment": "same as #1"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 303
    following = response.headers["location"]
    assert following.startswith(f"/review/photos/{seeded[2]}?done=decided&photo={seeded[1]}")
    assert f"Photo {seeded[1]} rejected: saved" in web.get(following).text  # it was kept
    page = web.get(f"/review/photos/{seeded[1]}").text
    assert "photo rejected" in page
    assert "“same as #1”" in page
    assert "penalty" in page  # the scheme's fraud penalty for a duplicate


def test_bulk_approval_approves_only_clean_items(client: TestClient, seeded: list[int]) -> None:
    web, token = approver(client)
    response = web.post(
        "/review/bulk-approve",
        data={"photo_ids": [str(seeded[3]), str(seeded[1])], "csrf_token": token},
    )
    assert response.status_code == 303
    queue = web.get(response.headers["location"]).text
    assert "Approved 1 clean item; 1 item needs a look of its own" in queue
    assert f">#{seeded[3]}<" not in queue


def test_a_box_can_be_relabelled(client: TestClient, seeded: list[int]) -> None:
    web, token = approver(client)
    response = web.post(
        f"/review/photos/{seeded[1]}/boxes/1",
        data={"action": "relabel", "class_name": "heineken_can", "csrf_token": token},
    )
    assert response.status_code == 303
    page = web.get(f"/review/photos/{seeded[1]}").text
    assert "(model: tiger_can)" in page


def test_a_relabel_to_a_class_the_detector_does_not_know_is_refused(
    client: TestClient, seeded: list[int]
) -> None:
    web, token = approver(client)
    page = web.get(f"/review/photos/{seeded[1]}").text
    assert '<option value="beer_carton">' in page  # the served detector's classes are offered
    response = web.post(
        f"/review/photos/{seeded[1]}/boxes/1",
        data={"action": "relabel", "class_name": "beer_cartn", "csrf_token": token},
    )
    assert response.status_code == 400  # InvalidInput
    assert "not one the detector knows" in response.text


def test_a_box_is_drawn_round_a_missed_object_and_removed(
    client: TestClient, seeded: list[int]
) -> None:
    web, token = approver(client)
    page = web.get(f"/review/photos/{seeded[1]}").text
    assert 'id="draw-form"' in page
    corners = {"x0": "40", "y0": "50", "x1": "140", "y1": "150"}
    response = web.post(
        f"/review/photos/{seeded[1]}/drawn-boxes",
        data={**corners, "class_name": "beer_crate", "csrf_token": token},
    )
    assert response.status_code == 303
    page = web.get(response.headers["location"]).text
    assert "Box drawn: the label export adds it" in page
    assert '<g class="box drawn" data-class="beer_crate">' in page
    drawn_id = re.search(r"/drawn-boxes/(\d+)/remove", page)
    assert drawn_id is not None
    removed = web.post(
        f"/review/photos/{seeded[1]}/drawn-boxes/{drawn_id[1]}/remove", data={"csrf_token": token}
    )
    assert removed.status_code == 303
    assert 'class="box drawn"' not in web.get(f"/review/photos/{seeded[1]}").text


def test_an_ml_engineer_sees_the_photo_but_cannot_decide(
    client: TestClient, seeded: list[int]
) -> None:
    web = browser(client)
    log_in(web, create_person(client, Role.ml_engineer))
    page = web.get(f"/review/photos/{seeded[1]}")
    assert page.status_code == 200
    assert 'id="approve-form"' not in page.text
    assert "Payout it triggers" not in page.text  # money is for approvers and admins
    assert "test_scheme@1" not in page.text
    assert web.get("/review").status_code == 403


def test_approving_a_photo_judged_fraud_or_strongly_doubted_asks_first(
    client: TestClient, seeded: list[int]
) -> None:
    cheat = add_photo(runtime_of(client), verdict="fraud", fraud_score=0.9)
    doubted = add_photo(runtime_of(client), verdict="review", fraud_score=0.82)
    unsure = add_photo(runtime_of(client), verdict="review", fraud_score=0.45)
    web, _ = approver(client)
    asks = web.get(f"/review/photos/{cheat}").text
    assert 'data-confirm="The analysis judged this photo fraud.' in asks
    doubts = web.get(f"/review/photos/{doubted}").text
    assert 'data-confirm="The checks strongly doubt this photo (risk 0.82)' in doubts
    assert "data-confirm" not in web.get(f"/review/photos/{unsure}").text


def test_approving_twice_records_one_decision(client: TestClient, seeded: list[int]) -> None:
    web, token = approver(client)
    photo = add_photo(runtime_of(client), verdict="review", fraud_score=0.45)
    for _ in range(2):  # a second key press on the same photo
        web.post(
            f"/review/photos/{photo}/decision",
            data={"decision": "approved", "reason_code": "genuine"},
            headers={"X-CSRF-Token": token},
        )
    assert web.get(f"/review/photos/{photo}").text.count("photo approved") == 1


def test_the_image_is_served_upright_and_reduced(client: TestClient, seeded: list[int]) -> None:
    web, _ = approver(client)
    response = web.get(f"/review/photos/{seeded[1]}/image", params={"size": 320})
    assert response.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (320, 240)
    assert web.get(f"/review/photos/{seeded[1]}/image", params={"size": 999}).status_code == 400


def test_statements_and_rule_set_pages(client: TestClient, seeded: list[int]) -> None:
    web = browser(client)
    log_in(web, create_person(client, Role.admin))
    token = page_csrf(web, "/payouts")
    from tests.seeds import LAST_MONTH, SCHEME

    web.post("/payouts/run", data={"period": LAST_MONTH.label, "csrf_token": token})
    statements = web.get("/payouts", params={"period": LAST_MONTH.label}).text
    assert "R2" in statements
    assert "band 80–100" in statements
    nobody = web.get("/payouts", params={"period": LAST_MONTH.label, "rep_id": "R9"}).text
    assert "No statement for R9" in nobody  # not an invitation to run it again
    year, week, _ = (LAST_MONTH.start.date() + timedelta(days=7)).isocalendar()
    inside = web.get("/payouts", params={"period": f"{year}-W{week:02d}"}).text
    assert f">Run {year}-W{week:02d}<" not in inside  # it would overlap the stored month
    assert "It cannot be run: period" in inside
    assert "run the period to compute them" not in inside  # it says it cannot be
    draft = SCHEME.replace("version: 1", "version: 2").replace("amount: 40000", "amount: 50000")
    stored = web.post("/rule-sets/upload", data={"source": draft, "csrf_token": token})
    assert stored.status_code == 303
    assert "simulate=test_scheme%402" in stored.headers["location"]
    simulated = web.get(
        "/rule-sets", params={"simulate": "test_scheme@2", "period": LAST_MONTH.label}
    ).text
    assert "+₫10,000" in simulated
    assert 'action="/rule-sets/test_scheme/2/activate"' in simulated
    same_day = web.post("/rule-sets/test_scheme/2/activate", data={"csrf_token": token})
    assert same_day.status_code == 422  # it starts the day version 1 does: said on a page
    assert "a new version starts after the one it follows" in same_day.text
    later = SCHEME.replace("version: 1", "version: 3").replace(
        "effective_from: 2020-01-01", "effective_from: 2030-01-01"
    )
    web.post("/rule-sets/upload", data={"source": later, "csrf_token": token})
    too_early = web.get(
        "/rule-sets", params={"simulate": "test_scheme@3", "period": LAST_MONTH.label}
    ).text
    assert "test_scheme@3 starts 2030-01-01, after" in too_early
    assert "once active it pays nothing in this period" in too_early
    activated = web.post("/rule-sets/test_scheme/3/activate", data={"csrf_token": token})
    assert activated.status_code == 303
    assert "test_scheme/3/activate" not in web.get("/rule-sets").text  # active now
    broken = web.post("/rule-sets/upload", data={"source": "id: x\n", "csrf_token": token})
    assert broken.status_code == 422
    assert broken.headers["content-type"].startswith("text/html")


def test_a_run_refused_for_an_overlapping_period_says_why_on_a_page(
    client: TestClient, seeded: list[int]
) -> None:
    from tests.seeds import LAST_MONTH

    web = browser(client)
    log_in(web, create_person(client, Role.admin))
    token = page_csrf(web, "/payouts")
    web.post("/payouts/run", data={"period": LAST_MONTH.label, "csrf_token": token})
    week = (LAST_MONTH.start + timedelta(days=10)).strftime("%G-W%V")

    refused = web.post("/payouts/run", data={"period": week, "csrf_token": token})

    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("text/html")
    assert f"overlaps the stored statements of {LAST_MONTH.label}" in refused.text


def test_the_queue_status_line_says_only_what_was_done(
    client: TestClient, seeded: list[int]
) -> None:
    web, _ = approver(client)
    spoofed = web.get("/review", params={"notice": "Session expired: call +84 555 0100"}).text
    assert "555 0100" not in spoofed
    bulk = web.get("/review", params={"done": "bulk", "approved": 2, "gone": 1, "own": 3}).text
    assert (
        "Approved 2 clean items; 1 item no longer in the queue (decided meanwhile); "
        "3 items need a look of their own"
    ) in bulk
    assert web.get("/review", params={"done": "anything"}).status_code == 422


def test_bulk_approval_of_an_item_decided_meanwhile_says_so(
    client: TestClient, seeded: list[int]
) -> None:
    web, token = approver(client)
    first = seeded[0]
    response = web.post(
        "/review/bulk-approve",
        data={"csrf_token": token, "photo_ids": [str(first), "999999"]},
        follow_redirects=True,
    )
    assert "no longer in the queue (decided meanwhile)" in response.text
    assert "need a look of their own" not in response.text


def test_a_store_moved_to_another_region_takes_its_queue_items(
    client: TestClient, seeded: list[int]
) -> None:
    from tests.api.helpers import session_headers

    moved = {"name": "Coopmart Hanoi", "region": "central", "lat": 21.02, "lon": 105.84}
    admin = session_headers(client, Role.admin)
    assert browser(client).put("/v1/stores/S2", json=moved, headers=admin).status_code == 200
    web, _ = approver(client)
    central = web.get("/review", params={"region": "central"}).text
    assert f">#{seeded[2]}<" in central
    assert f">#{seeded[2]}<" not in web.get("/review", params={"region": "north"}).text


def test_any_photo_is_found_by_rep_store_and_day_queued_or_not(
    client: TestClient, seeded: list[int]
) -> None:
    runtime = runtime_of(client)
    cheat = add_photo(runtime, verdict="fraud", fraud_score=0.95, rep_id="R2")
    web, _ = approver(client)
    assert f">#{cheat}<" in web.get("/review").text  # its penalty waits for a person

    found = web.get("/photos", params={"rep_id": "R2"}).text
    assert f">#{cheat}<" in found
    assert f">#{seeded[0]}<" in found  # R2's clean photo
    assert f">#{seeded[1]}<" not in found  # R1's
    assert 'class="chip fraud"' in found

    with runtime.sessions() as session:
        from shelfaudit.store.tables import Photo

        photo = session.get(Photo, cheat)
        assert photo is not None
        assert photo.captured_at is not None
        day = photo.captured_at.date()
    on_day = web.get("/photos", params={"store_id": "S1", "day": day.isoformat()}).text
    assert f">#{cheat}<" in on_day
    other_day = web.get("/photos", params={"day": (day + timedelta(days=400)).isoformat()})
    assert "No photo matches." in other_day.text
    assert web.get("/photos", params={"day": "yesterday"}).status_code == 422
    assert "No photo matches." in web.get("/photos", params={"day": "9999-12-31"}).text


def test_the_statements_page_states_the_period_whatever_rep_it_shows(
    client: TestClient, seeded: list[int]
) -> None:
    from tests.seeds import ADMIN, LAST_MONTH, THIS_MONTH

    runtime = runtime_of(client)
    from shelfaudit.payouts.closing import close_period
    from shelfaudit.payouts.statements import run_statements

    with runtime.sessions.begin() as session:
        run_statements(session, period=LAST_MONTH, actor=ADMIN)
        close_period(session, period=LAST_MONTH, actor=ADMIN)
    web, _ = approver(client)
    nobody = web.get("/payouts", params={"period": LAST_MONTH.label, "rep_id": "R9"}).text
    assert "Closed by test-admin" in nobody
    assert f"Run {LAST_MONTH.label}" not in nobody

    two_ago = Period.containing(LAST_MONTH.start - timedelta(days=1), Cadence.month)
    earlier = web.get("/payouts", params={"period": two_ago.label}).text
    assert f"later period ({LAST_MONTH.label})" in earlier
    assert f"Run {two_ago.label}" not in earlier
    assert "Not run yet." in web.get("/payouts", params={"period": THIS_MONTH.label}).text
    next_year = Period.containing(THIS_MONTH.start + timedelta(days=400), Cadence.month)
    early = web.get("/payouts", params={"period": next_year.label}).text
    assert "it cannot be run yet" in early
    assert f"Run {next_year.label}" not in early


def test_a_date_range_the_wrong_way_round_says_so(client: TestClient, seeded: list[int]) -> None:
    web, _ = approver(client)
    page = web.get("/review", params={"date_from": "2026-05-10", "date_to": "2026-05-01"})
    assert page.status_code == 400  # invalid input, like a malformed date
    assert "the dates are the wrong way round" in page.text


def test_the_photo_page_lists_the_other_photos_of_its_visit(
    client: TestClient, seeded: list[int]
) -> None:
    web, _ = approver(client)
    runtime = runtime_of(client)
    # Seeded photos of rep R1 at store S1 are on one day; another the same day joins them.
    other = add_photo(runtime, verdict="clean", fraud_score=0.0, activity_id="A2", score=55)
    page = web.get(f"/review/photos/{other}").text
    assert "This visit" in page
    visit = page[page.index("data-visit") :].split("</section>")[0]
    assert f'<a href="/review/photos/{seeded[1]}">#{seeded[1]}</a>' in visit
    assert f"<td>#{other}</td>" in visit  # itself, not a link
