"""Human-readable output of audit records for a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table


def summary_table(records: list[dict[str, Any]]) -> Table:
    table = Table(title=f"ShelfAudit: {len(records)} photos")
    for column in ("photo", "file", "status", "quality", "flags"):
        table.add_column(column, overflow="fold")
    for record in records:
        quality = record["checks"].get("quality") or {}
        sharp = quality.get("sharpness")
        table.add_row(
            str(record["photo_id"] or "-"),
            Path(record["file"]).name,
            record["status"],
            f"sharp {sharp:.0f}, {quality.get('megapixels')} MP" if sharp is not None else "-",
            "\n".join(f["message"] for f in record["flags"]) or record.get("error") or "",
        )
    return table
