"""The review UI in a real browser (Debian's Chromium driven by Playwright): log in, work the
queue with the keyboard, decide, and see the decision on a payout statement. Screenshots of
the main pages go to ``artifacts/screenshots/``.

Without /usr/bin/chromium (or Playwright) these tests skip, saying why, except under CI
(``CI`` set), where they fail: CI installs Chromium (``.ci/run``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shelfaudit.api.app import create_app
from shelfaudit.auth.roles import Role
from shelfaudit.payouts.statements import run_statements
from tests.api.helpers import PASSWORD, create_person, runtime_of
from tests.conftest import embedded_settings
from tests.seeds import ADMIN, LAST_MONTH, THIS_MONTH, add_photo, add_scheme, seed_master_data
from tests.web.live_server import serve

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# Offline and quiet: no network beyond the test server (docs/STACK.md, Browser tests).
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
MATCH = {
    "photo_id": 1,
    "kind": "near",
    "store_id": "S2",
    "rep_id": "R2",
    "pdq_distance": 14,
    "phash_distance": 2,
    "dhash_distance": 2,
    "inliers": 64,
    "stage": "local_features",
    "variant": "identity",
}
BOXES = [
    {"xyxy": [20, 30, 140, 200], "class_name": "heineken_can", "confidence": 0.93},
    {"xyxy": [170, 40, 300, 210], "class_name": "tiger_can", "confidence": 0.48},
]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(f"{reason}: `apt-get install -y chromium` to run the browser tests")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (the dev extra)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A live server with a rule set, four photos (three to review) and an approver."""
    app = create_app(embedded_settings(tmp_path / "data"))
    with serve(app) as base:
        runtime = app.state.runtime
        seed_master_data(runtime)
        add_scheme(runtime)
        earlier = add_photo(runtime, verdict="clean", fraud_score=0.0, rep_id="R2", store_id="S2")
        risky = add_photo(runtime, verdict="review", fraud_score=0.72, matches=[MATCH], boxes=BOXES)
        middle = add_photo(runtime, verdict="review", fraud_score=0.55)
        last = add_photo(runtime, verdict="review", fraud_score=0.41, store_id="S2")
        with runtime.sessions.begin() as session:  # last month paid: the review items held
            run_statements(session, period=LAST_MONTH, actor=ADMIN)
        client = TestClient(app)
        username = create_person(client, Role.approver, "mai")
        assert runtime_of(client) is runtime
        yield {
            "base": base,
            "user": username,
            "photos": [earlier, risky, middle, last],
            "runtime": runtime,
        }


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page: Any, site: dict[str, Any]) -> None:
    page.goto(f"{site['base']}/review")  # not logged in: sent to the login form
    assert "/login?next=" in page.url
    shot(page, "login")
    page.fill('input[name="username"]', site["user"])
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{site['base']}/review")


def test_review_with_the_keyboard_and_see_the_payout(chromium: Any, site: dict[str, Any]) -> None:
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    _, risky, middle, last = site["photos"]
    log_in(page, site)

    rows = page.locator("table.queue tbody tr[data-href]")
    assert rows.count() == 3
    assert page.locator("tr.current a").inner_text() == f"#{risky}"
    shot(page, "queue")
    page.keyboard.press("j")
    assert page.locator("tr.current a").inner_text() == f"#{middle}"
    page.focus(f'table.queue a[href^="/review/photos/{last}"]')  # Tab reaches each row's link
    assert page.locator("tr.current a").inner_text() == f"#{last}"
    page.focus(f'table.queue a[href^="/review/photos/{risky}"]')
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("o")
    page.wait_for_url(f"**/review/photos/{risky}")

    # The evidence: the earlier photo side by side, the boxes, and the held payout.
    assert page.locator(".match img").count() == 2
    assert "inliers" in page.locator(".match").inner_text()
    assert page.locator("svg.overlay g.box").count() == 2
    page.uncheck('[data-toggle-class="tiger_can"]')
    assert page.locator('g.box[data-class="tiger_can"]').get_attribute("class") == "box hidden"
    assert "held ₫40,000" in page.inner_text("body")
    page.wait_for_load_state("networkidle")
    shot(page, "photo")

    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.keyboard.press("a")  # approve (risk 0.72: it asks first), then on to the next item
    page.wait_for_url(re.compile(rf"/review/photos/{middle}\?"))
    assert asked[0].startswith("The checks strongly doubt this photo (risk 0.72)")
    assert f"Photo {risky} approved: saved" in page.inner_text(".notice")
    page.keyboard.press("r")  # reject: the reason first
    assert page.evaluate("document.activeElement.name") == "reason_code"
    page.select_option("#reject-form select", "duplicate")
    page.fill("#reject-form input[name=comment]", "same as an earlier visit")
    page.click("#reject-form button")
    page.wait_for_url(re.compile(rf"/review/photos/{last}\?"))

    page.goto(f"{site['base']}/review/photos/{risky}")
    assert "photo approved" in page.inner_text(".trail")

    # The decision flows into this month's statement: the hold is released.
    page.goto(f"{site['base']}/payouts?period={THIS_MONTH.label}")
    page.click("text=Run " + THIS_MONTH.label)
    page.wait_for_url(f"**/payouts?period={THIS_MONTH.label}")
    body = page.inner_text("body")
    assert "release" in body
    assert "₫40,000" in body
    assert "approved on" in body
    shot(page, "statements")
    context.close()


def test_bulk_approve_from_the_queue(chromium: Any, site: dict[str, Any]) -> None:
    unsure = add_photo(
        site["runtime"],
        verdict="clean",
        fraud_score=0.0,
        boxes=[{"xyxy": [0, 0, 5, 5], "confidence": 0.3}],  # boxes its score counts, unsure
    )
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    log_in(page, site)
    boxes = page.locator('input[name="photo_ids"]')
    assert boxes.count() == 1  # only the clean item can go in bulk
    page.click("[data-bulk]")
    page.wait_for_url("**/review?done=*")
    assert "Select clean items" in page.inner_text(".notice")
    page.check(f'input[name="photo_ids"][value="{unsure}"]')
    page.click("[data-bulk]")
    page.wait_for_url("**/review?done=*")
    assert "Approved 1 clean item" in page.inner_text(".notice")
    assert page.locator("table.queue tbody tr[data-href]").count() == 3
    context.close()


def test_the_approve_key_on_a_photo_judged_fraud_asks_and_a_no_keeps_it(
    chromium: Any, site: dict[str, Any]
) -> None:
    cheat = add_photo(site["runtime"], verdict="fraud", fraud_score=0.9)
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    log_in(page, site)
    asked: list[str] = []

    def say_no(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", say_no)
    page.goto(f"{site['base']}/review/photos/{cheat}")
    page.keyboard.press("a")
    page.wait_for_timeout(300)

    assert asked
    assert asked[0].startswith("The analysis judged this photo fraud.")
    assert page.url.endswith(f"/review/photos/{cheat}")  # not approved, not moved on
    assert "photo approved" not in page.inner_text("body")
    context.close()


@pytest.mark.parametrize(("width", "height"), [(240, 480), (400, 400), (640, 240)])
def test_boxes_sit_on_the_picture_whatever_its_shape(
    chromium: Any, site: dict[str, Any], width: int, height: int
) -> None:
    from sqlalchemy import update

    from shelfaudit.store.tables import Photo
    from tests.factories import jpeg_bytes

    box = [width * 0.25, height * 0.5, width * 0.75, height * 0.9]
    photo = add_photo(
        site["runtime"],
        data=jpeg_bytes(width, height, seed=width + height),
        boxes=[{"xyxy": box, "class_name": "heineken_can", "confidence": 0.9}],
        width=width,
        height=height,
    )
    with site["runtime"].sessions.begin() as session:
        session.execute(update(Photo).where(Photo.id == photo).values(width=width, height=height))
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    log_in(page, site)
    page.goto(f"{site['base']}/review/photos/{photo}")
    page.wait_for_load_state("networkidle")

    # Where the picture is drawn inside its <img> (object-fit: contain), and the box on it.
    drawn = page.evaluate(
        """() => {
          const img = document.querySelector('.overlay-frame img').getBoundingClientRect();
          const rect = document.querySelector('svg.overlay g.box rect').getBoundingClientRect();
          return {img: [img.x, img.y, img.width, img.height],
                  rect: [rect.x, rect.y, rect.right, rect.bottom]};
        }"""
    )
    x, y, w, h = drawn["img"]
    scale = min(w / width, h / height)
    left, top = x + (w - width * scale) / 2, y + (h - height * scale) / 2
    expected = [
        left + box[0] * scale,
        top + box[1] * scale,
        left + box[2] * scale,
        top + box[3] * scale,
    ]
    assert drawn["rect"] == pytest.approx(expected, abs=3), (drawn, expected)
    context.close()


def test_a_missed_object_is_boxed_by_dragging_over_the_photo(
    chromium: Any, site: dict[str, Any]
) -> None:
    from shelfaudit.review.drawn_boxes import drawn_boxes_of

    photo = site["photos"][1]  # 320 x 240, two boxes found
    context = chromium.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    log_in(page, site)
    page.goto(f"{site['base']}/review/photos/{photo}")
    frame = page.evaluate(
        """() => { const r = document.querySelector('.overlay-frame img').getBoundingClientRect();
                   return [r.x, r.y, r.width, r.height]; }"""
    )
    x, y, w, h = frame
    scale = min(w / 320, h / 240)
    left, top = x + (w - 320 * scale) / 2, y + (h - 240 * scale) / 2

    def screen(px: float, py: float) -> tuple[float, float]:
        return left + px * scale, top + py * scale

    page.keyboard.press("d")  # the key, as the button, starts drawing
    assert page.get_attribute("[data-draw-toggle]", "aria-pressed") == "true"
    page.keyboard.press("b")  # hiding the boxes stops drawing too
    assert page.get_attribute("[data-draw-toggle]", "aria-pressed") == "false"
    page.keyboard.press("d")
    assert page.locator("svg.overlay.hidden").count() == 0  # drawing shows the boxes again
    page.mouse.click(*screen(100, 100))  # a click is no box, and drawing goes on
    assert page.input_value('#draw-form input[name="x0"]') == ""
    assert page.get_attribute("[data-draw-toggle]", "aria-pressed") == "true"
    page.mouse.move(*screen(200, 60))
    page.mouse.down()
    page.mouse.move(*screen(250, 150), steps=5)
    page.mouse.move(*screen(310, 230), steps=5)
    page.mouse.up()
    # The drag filled the corners in photo pixels and left drawing mode for the class field.
    corners = [
        float(page.input_value(f'#draw-form input[name="{n}"]')) for n in ["x0", "y0", "x1", "y1"]
    ]
    assert corners == pytest.approx([200, 60, 310, 230], abs=2)
    assert page.evaluate("document.activeElement.name") == "class_name"
    assert page.get_attribute("[data-draw-toggle]", "aria-pressed") == "false"
    page.keyboard.type("Beer Crate")  # written as the export writes class names
    with page.expect_navigation():
        page.click('#draw-form button[type="submit"]')
    shot(page, "photo-drawn-box")
    assert "Box drawn" in page.inner_text("p.notice")
    assert page.locator("svg.overlay g.drawn").count() == 1
    with site["runtime"].sessions() as session:
        (drawn,) = drawn_boxes_of(session, photo)
    assert (drawn.class_name, drawn.created_by) == ("beer_crate", site["user"])
    assert drawn.xyxy == pytest.approx([200, 60, 310, 230], abs=2)
    context.close()
