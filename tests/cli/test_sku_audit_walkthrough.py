"""Issue 3's walkthrough through the CLI: an activity, its SKU display standard, an audit that
misses the SKU, the SKU added by packshot, and the next audit that recognises it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shelfaudit.settings import get_settings
from tests.catalogue_factories import close_up, close_up_packshot
from tests.cli.helpers import json_lines, shelfaudit, use_data_dir

EXAMPLE = Path(__file__).parents[2] / "examples" / "standards" / "grocery_dairy_facings.yaml"
ACTIVITY = "dairy-2026"
MISSING = "0 of the required 1 SKU Arla-Standard-Milk facing seen (1 more could not be identified)"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # 0.8 keeps the fake embedder's unrelated pictures apart (its own calibration says 0.5).
    yield use_data_dir(monkeypatch, tmp_path, sku_min_similarity="0.8")
    get_settings.cache_clear()


def audit(photo: Path) -> dict[str, Any]:
    (record,) = json_lines(shelfaudit("audit", str(photo), "--activity", ACTIVITY, "--json"))
    assert record["status"] == "analysed", record
    return record


def add_sku(sku_id: str, packshot: Path) -> None:
    added = shelfaudit("skus", "add", sku_id, "--name", sku_id, "--packshot", str(packshot))
    assert added.exit_code == 0, added.output


def test_a_sku_added_by_packshot_is_recognised_and_scored_in_the_next_audit(
    data_dir: Path, tmp_path: Path
) -> None:
    photo, milk, oat = tmp_path / "shelf.jpg", tmp_path / "milk.png", tmp_path / "oat.png"
    photo.write_bytes(close_up(seed=2))
    milk.write_bytes(close_up_packshot(seed=2))
    oat.write_bytes(close_up_packshot(seed=1))

    (activity,) = json_lines(shelfaudit("activities", "add", ACTIVITY, "--name", "Dairy facings"))
    (published,) = json_lines(
        shelfaudit("standards", "publish", str(EXAMPLE), "--activity", ACTIVITY)
    )
    add_sku("Oatly-Oat-Milk", oat)  # a catalogue without the milk
    before = audit(photo)
    add_sku("Arla-Standard-Milk", milk)
    after = audit(photo)

    assert (activity["id"], activity["name"]) == (ACTIVITY, "Dairy facings")
    assert {k: published[k] for k in ("activity_id", "version", "standard_id", "created_by")} == {
        "activity_id": ACTIVITY,
        "version": 1,
        "standard_id": "grocery-dairy-facings",
        "created_by": "cli",
    }

    skus = before["checks"]["skus"]
    assert (skus["source"], skus["gallery_skus"], skus["counts"], skus["unknown"]) == (
        "whole_photo", 1, {}, 1,
    )  # fmt: skip
    display = before["checks"]["display"]
    assert (display["standard_id"], display["score"], display["passed_mandatory"]) == (
        "grocery-dairy-facings", 0.0, False,
    )  # fmt: skip
    assert display["breakdown"][0] == {
        "criterion": "arla_standard_milk (mandatory)",
        "seen": MISSING,
        "points": "0 / 70",
    }
    assert display["reason"] == f"Mandatory: {MISSING} (arla_standard_milk)"

    skus = after["checks"]["skus"]
    assert (skus["gallery_skus"], skus["counts"], skus["unknown"]) == (
        2, {"Arla-Standard-Milk": 1}, 0,
    )  # fmt: skip
    (item,) = skus["items"]
    assert item["sku_id"] == "Arla-Standard-Milk"
    assert item["similarity"] >= 0.8
    display = after["checks"]["display"]
    assert display["passed_mandatory"]
    assert display["breakdown"][0] == {
        "criterion": "arla_standard_milk (mandatory)",
        "seen": "1 SKU Arla-Standard-Milk facing seen; 1 required",
        "points": "70 / 70",
    }
    assert display["score"] == 100.0
