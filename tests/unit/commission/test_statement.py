from __future__ import annotations

import csv
import io

from shelfaudit.commission import evaluate, statements_csv
from shelfaudit.commission.statement import CSV_COLUMNS
from tests.unit.commission.factories import MAY, at, bands, photo, rule_set


def test_csv_has_one_row_per_line_with_plain_decimals() -> None:
    statements = evaluate([photo(1), photo(2, rep="R2", when=at(13))], [rule_set(bands())], MAY)
    rows = list(csv.DictReader(io.StringIO(statements_csv(statements))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [(r["rep_id"], r["photo_ids"], r["amount"], r["rule_set"]) for r in rows] == [
        ("R1", "1", "40.00", "hnk@1"),
        ("R2", "2", "40.00", "hnk@1"),
    ]
    assert rows[0]["period"] == "2026-05"
    assert rows[0]["explanation"].endswith("score 82 → band 80–89 → ¥40")
