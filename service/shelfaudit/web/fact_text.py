"""Metadata facts as a reviewer reads them: named in words, distances in m or km, gaps as
durations (the page showed "distance to store m 1143069.3" and "upload delay h 9.0")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from shelfaudit.domain.times import offset_text, spoken_duration


class FactRow(NamedTuple):
    label: str
    value: str
    strong: bool = False


def distance(metres: float) -> str:
    if metres < 1000:
        return f"{metres:.0f} m"
    if metres < 10_000:
        return f"{metres / 1000:.1f} km"
    return f"{metres / 1000:,.0f} km"


def _thumbnail(value: Any) -> str:
    if not isinstance(value, Mapping):
        return str(value)
    return f"correlation {value.get('correlation')}, worst cell {value.get('worst_cell')}"


_KNOWN: dict[str, tuple[str, Callable[[Any], str]]] = {
    "distance_to_store_m": ("Distance to the store", lambda v: distance(float(v))),
    "exif_vs_app_gps_m": ("Camera GPS vs the app's", lambda v: distance(float(v))),
    "exif_vs_app_time_s": ("Camera clock vs the app's", lambda v: spoken_duration(float(v))),
    "upload_delay_h": ("Sent after it was taken", lambda v: spoken_duration(float(v) * 3600)),
    "quant_fp": ("JPEG tables (fingerprint)", str),
    "thumbnail": ("Embedded thumbnail vs the photo", _thumbnail),
}


def fact_rows(facts: Mapping[str, Any]) -> list[FactRow]:
    """Known facts first, in a fixed order, then any others as they are named."""
    rows = [
        FactRow(label, show(facts[key]), strong=key == "distance_to_store_m")
        for key, (label, show) in _KNOWN.items()
        if facts.get(key) is not None
    ]
    for key in sorted(set(facts) - set(_KNOWN)):
        value = facts[key]
        if value is not None:
            text = f"{value:.1f}" if isinstance(value, float) else str(value)
            rows.append(FactRow(key.replace("_", " "), text))
    return rows


def on_the_phone(moment: datetime | None, offset_min: int | None) -> str:
    """``moment`` on the phone's clock, in the UTC offset it sent: ``10:57 at UTC+07:00``."""
    if moment is None or offset_min is None:
        return ""
    local = moment.astimezone(timezone(timedelta(minutes=offset_min)))
    return f"{local:%Y-%m-%d %H:%M} at UTC{offset_text(offset_min)}"
