"""Days in query strings: ``2026-05-12`` and nothing else."""

from __future__ import annotations

import re
from datetime import date

from shelfaudit.errors import InvalidInput

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def query_day(text: str | None, field: str) -> date | None:
    """The day ``text`` names; None for no text (an empty form field is no filter)."""
    if not text:
        return None
    try:
        if not _DAY.fullmatch(text):  # fromisoformat also reads 20260501 and 2026-W01
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{field} must be a date like 2026-05-12", field=field) from exc
