"""The audit's terminal table: display score breakdown and recognised SKUs."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from shelfaudit.cli.render import display_cell, skus_cell, summary_table

SKUS = {
    "items": [
        {"sku_id": "tiger-can", "name": "Tiger can", "similarity": 0.9},
        {"sku_id": "hnk-silver", "name": "Heineken Silver", "similarity": 0.8},
        {"sku_id": "hnk-silver", "name": "Heineken Silver", "similarity": 0.7},
        {"sku_id": None, "name": None, "similarity": 0.2},
    ],
    "counts": {"tiger-can": 1, "hnk-silver": 2},
    "unknown": 1,
    "skipped": 2,
}
DISPLAY = {
    "score": 60.0,
    "breakdown": [
        {"criterion": "hero (mandatory)", "seen": "2 Heineken Silver seen", "points": "60 / 60"},
        {"criterion": "seasonal", "seen": "0 of the required 1 Tet cans seen", "points": "0 / 40"},
    ],
}


def record(checks: dict[str, Any]) -> dict[str, Any]:
    return {"photo_id": 1, "file": "/x/a.jpg", "status": "analysed", "checks": checks,
            "flags": [], "error": None}  # fmt: skip


def test_skus_cell_lists_facings_per_sku_most_first_then_unknown() -> None:
    assert skus_cell({"skus": SKUS}) == "2 x Heineken Silver\n1 x Tiger can\n3 unknown"
    assert skus_cell({}) == "-"


def test_display_cell_shows_the_score_and_each_criterion() -> None:
    assert display_cell({"display": DISPLAY}).splitlines() == [
        "score 60",
        "60 / 60  hero (mandatory): 2 Heineken Silver seen",
        "0 / 40  seasonal: 0 of the required 1 Tet cans seen",
    ]
    assert display_cell({"display": None}) == "-"


def test_table_has_display_and_sku_columns_only_when_some_photo_has_them() -> None:
    def headers(records: list[dict[str, Any]]) -> list[str]:
        return [str(c.header) for c in summary_table(records).columns]

    assert headers([record({})]) == ["photo", "file", "status", "quality", "flags"]
    full = [record({"display": DISPLAY, "skus": SKUS}), record({})]
    assert headers(full) == ["photo", "file", "status", "quality", "display", "SKUs", "flags"]
    console = Console(width=200, record=True)
    console.print(summary_table(full))
    assert "Heineken Silver" in console.export_text()
