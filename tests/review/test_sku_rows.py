"""What the photo page lists of the recognised SKUs, read from stored checks."""

from __future__ import annotations

from shelfaudit.review.analysis_view import SkuRow, sku_rows


def test_sku_rows_count_facings_keep_the_best_similarity_and_end_with_unknown() -> None:
    checks = {
        "skus": {
            "items": [
                {"sku_id": "b", "name": "Bee", "similarity": 0.7},
                {"sku_id": "a", "name": None, "similarity": 0.9},
                {"sku_id": "b", "name": "Bee", "similarity": 0.8},
                {"sku_id": None, "similarity": 0.1},
            ],
            "unknown": 1,
            "skipped": 1,
        }
    }
    assert sku_rows(checks) == [
        SkuRow("b", "Bee", 2, 0.8),
        SkuRow("a", "a", 1, 0.9),
        SkuRow(None, "unknown", 2, None),
    ]


def test_no_sku_check_no_rows() -> None:
    assert sku_rows({}) == []
    assert sku_rows({"skus": None}) == []
