"""Human-readable output of audit records for a terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

from shelfaudit.scoring.wording import counted


def display_cell(checks: dict[str, Any]) -> str:
    """The display score with one line per criterion: its points and what was seen."""
    shown = checks.get("display") or {}
    if shown.get("score") is None:
        return "-"
    lines = [f"score {shown['score']:g}"]
    lines += [
        f"{row.get('points', '')}  {row.get('criterion', '')}: {row.get('seen', '')}"
        for row in shown.get("breakdown") or []
    ]
    return "\n".join(lines)


def skus_cell(checks: dict[str, Any]) -> str:
    """Facings per recognised SKU, most first, then how many stayed unknown."""
    skus = checks.get("skus") or {}
    if not skus:
        return "-"
    names = {i["sku_id"]: i.get("name") or i["sku_id"] for i in skus.get("items") or []}
    counts = sorted((skus.get("counts") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    lines = [f"{n} x {names.get(sku, sku)}" for sku, n in counts]
    unknown = int(skus.get("unknown") or 0) + int(skus.get("skipped") or 0)
    if unknown:
        lines.append(f"{unknown} unknown")
    return "\n".join(lines) or "none"


def summary_table(records: list[dict[str, Any]]) -> Table:
    table = Table(title=f"ShelfAudit: {counted(len(records), 'photo')}")
    with_display = any((r["checks"].get("display") or {}) for r in records)
    with_skus = any((r["checks"].get("skus") or {}) for r in records)
    columns = ["photo", "file", "status", "quality"]
    columns += ["display"] if with_display else []
    columns += ["SKUs"] if with_skus else []
    for column in [*columns, "flags"]:
        table.add_column(column, overflow="fold")
    for record in records:
        checks = record["checks"]
        quality = checks.get("quality") or {}
        sharp = quality.get("sharpness")
        cells = [
            str(record["photo_id"] or "-"),
            Path(record["file"]).name,
            record["status"],
            f"sharp {sharp:.0f}, {quality.get('megapixels')} MP" if sharp is not None else "-",
        ]
        cells += [display_cell(checks)] if with_display else []
        cells += [skus_cell(checks)] if with_skus else []
        flags = "\n".join(f["message"] for f in record["flags"]) or record.get("error") or ""
        table.add_row(*cells, flags)
    return table
