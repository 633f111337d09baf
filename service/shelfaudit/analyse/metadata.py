"""Metadata and behaviour checks: time, place, device and pace of a rep's photos.

Pure functions over facts the caller gathers (the photo's visit metadata, its store and
activity, the rep's neighbouring photos, the quantisation tables seen from the same camera
model). Each check returns ``Signal``s with their evidence; none decides alone.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from shelfaudit.analyse.jpeg_forensics import ThumbnailComparison
from shelfaudit.domain.checks import ExifResult
from shelfaudit.domain.fraud import MetadataResult, Signal, SignalCode
from shelfaudit.domain.times import spoken_duration

VERSION = "metadata-2"

EARTH_RADIUS_M = 6_371_000.0

# Every UTC offset in use: whole hours from -12 to +14 and the half and three-quarter ones.
UTC_OFFSETS_S = sorted(
    {h * 3600 for h in range(-12, 15)}
    | {round(m * 60) for m in (-570, -210, -150, 210, 270, 330, 345, 390, 525, 570, 630, 765, 825)}
)


@dataclass(frozen=True)
class Place:
    lat: float
    lon: float


@dataclass(frozen=True)
class StoreFacts:
    store_id: str
    place: Place | None
    geofence_m: float


@dataclass(frozen=True)
class NeighbourPhoto:
    """Another photo of the same rep: when the app says it was taken, and where (GPS, else
    its store's location)."""

    photo_id: int
    store_id: str | None
    at: datetime
    place: Place | None


@dataclass(frozen=True)
class VisitFacts:
    captured_at: datetime | None  # as the app says
    received_at: datetime
    place: Place | None  # the app's GPS
    accuracy_m: float | None
    device_model: str | None
    store: StoreFacts | None = None
    activity_window: tuple[datetime | None, datetime | None] | None = None
    neighbours: list[NeighbourPhoto] = field(default_factory=list)
    quant_fp: str | None = None
    quant_history: dict[str, int] = field(default_factory=dict)  # same camera, earlier photos
    captured_offset_s: int | None = None  # the UTC offset the app sent captured_at with


@dataclass(frozen=True)
class MetadataThresholds:
    capture_tolerance_s: float = 600.0
    late_upload_h: float = 48.0
    gps_poor_accuracy_m: float = 500.0
    gps_exif_mismatch_m: float = 1000.0
    max_travel_kmh: float = 200.0
    min_travel_distance_m: float = 2000.0
    burst_window_s: float = 600.0
    burst_min_stores: int = 3
    quant_min_history: int = 5
    thumbnail_min_correlation: float = 0.7
    thumbnail_max_cell_difference: float = 0.65


def distance_m(a: Place, b: Place) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlam = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


class TimeBasis(StrEnum):
    """How the camera's time was put on the app's clock."""

    camera_offset = "camera_offset"  # EXIF OffsetTimeOriginal: exact
    app_offset = "app_offset"  # the camera's local time read in the offset the app sent
    any_offset = "any_offset"  # no offset known: the smallest gap over every UTC offset


def _exif_time_gap_s(
    exif: ExifResult, app_time: datetime, app_offset_s: int | None
) -> tuple[float, TimeBasis] | None:
    """Seconds between the camera's and the app's capture time, and how they were compared.

    With OffsetTimeOriginal the camera time is exact UTC. Without it the camera's local time
    is read in the UTC offset the app sent with its time (the phone's zone). An offset of
    zero says nothing (many apps write UTC), and then the gap is measured up to the nearest
    real UTC offset: a photo taken a whole number of hours earlier may pass.
    """
    if exif.captured_at is not None:
        return abs((exif.captured_at - app_time).total_seconds()), TimeBasis.camera_offset
    if not exif.datetime_original:
        return None
    try:
        local = datetime.strptime(exif.datetime_original.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    raw = (local - app_time.astimezone(UTC).replace(tzinfo=None)).total_seconds()
    if app_offset_s:
        return abs(raw - app_offset_s), TimeBasis.app_offset
    return min(abs(raw - offset) for offset in UTC_OFFSETS_S), TimeBasis.any_offset


_BASIS_NOTE = {
    TimeBasis.camera_offset: ".",
    TimeBasis.app_offset: " (the camera's clock read in the app's time zone, UTC{offset}).",
    # Without any UTC offset the gap is the smallest over every time zone: the true gap
    # may be larger.
    TimeBasis.any_offset: " (at least: the camera gives no time zone).",
}


def _offset_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    sign, minutes = ("+" if seconds >= 0 else "-"), abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def time_signals(
    facts: VisitFacts, exif: ExifResult, limits: MetadataThresholds
) -> tuple[list[Signal], dict[str, object]]:
    signals: list[Signal] = []
    measured: dict[str, object] = {}
    if facts.captured_at is not None:
        compared = _exif_time_gap_s(exif, facts.captured_at, facts.captured_offset_s)
        measured["exif_vs_app_time_s"] = None if compared is None else round(compared[0], 1)
        if compared is not None and compared[0] > limits.capture_tolerance_s:
            gap, basis = compared
            offset = _offset_text(facts.captured_offset_s)
            signals.append(
                Signal(
                    code=SignalCode.capture_time_mismatch,
                    weight=0.35,
                    message=(
                        f"The camera says the photo was taken {spoken_duration(gap)} away from "
                        "the time the app reported" + _BASIS_NOTE[basis].format(offset=offset)
                    ),
                    evidence={
                        "app_captured_at": facts.captured_at.isoformat(),
                        "app_utc_offset": offset or None,
                        "exif_datetime_original": exif.datetime_original,
                        "gap_s": round(gap),
                        "compared": basis.value,
                    },
                )
            )
    taken = [t for t in (facts.captured_at, exif.captured_at) if t is not None]
    if taken:
        age_h = (facts.received_at - min(taken)).total_seconds() / 3600
        measured["upload_delay_h"] = round(age_h, 2)
        if age_h > limits.late_upload_h:
            # An old gallery photo sent as today's display is the commonest reuse there is:
            # a person looks (0.35, the review line; at 0.25 a 4-day-old photo passed clean).
            signals.append(
                Signal(
                    code=SignalCode.late_upload,
                    weight=0.35,
                    message=f"Uploaded {age_h / 24:.1f} days after it was taken.",
                    evidence={"upload_delay_h": round(age_h, 1)},
                )
            )
    if facts.activity_window is not None:
        start, end = facts.activity_window
        when = facts.captured_at or facts.received_at
        if (start and when < start) or (end and when > end):
            signals.append(
                Signal(
                    code=SignalCode.outside_activity_period,
                    weight=0.3,
                    message="Taken outside the activity's running period.",
                    evidence={
                        "at": when.isoformat(),
                        "valid_from": start.isoformat() if start else None,
                        "valid_to": end.isoformat() if end else None,
                    },
                )
            )
    return signals, measured


def place_signals(
    facts: VisitFacts, exif: ExifResult, limits: MetadataThresholds
) -> tuple[list[Signal], dict[str, object]]:
    signals: list[Signal] = []
    measured: dict[str, object] = {}
    store = facts.store
    if facts.place is None:
        if store is not None and store.place is not None:
            signals.append(
                Signal(code=SignalCode.no_gps, weight=0.1, message="The app sent no GPS position.")
            )
        return signals, measured
    accuracy = facts.accuracy_m if facts.accuracy_m is not None else 0.0
    if accuracy > limits.gps_poor_accuracy_m:
        signals.append(
            Signal(
                code=SignalCode.gps_inaccurate,
                weight=0.1,
                message=f"GPS accuracy was poor ({accuracy:.0f} m).",
                evidence={"accuracy_m": accuracy},
            )
        )
    if store is not None and store.place is not None:
        distance = distance_m(facts.place, store.place)
        measured["distance_to_store_m"] = round(distance, 1)
        allowed = store.geofence_m + min(accuracy, limits.gps_poor_accuracy_m)
        if distance > allowed:
            far = distance > 5000
            signals.append(
                Signal(
                    code=SignalCode.outside_geofence,
                    weight=0.6 if far else 0.4,
                    message=(
                        f"Taken {distance / 1000:.1f} km from store {store.store_id}"
                        if far
                        else f"Taken {distance:.0f} m from store {store.store_id}"
                    )
                    + f" (allowed {store.geofence_m:.0f} m).",
                    evidence={
                        "distance_m": round(distance),
                        "geofence_m": store.geofence_m,
                        "accuracy_m": facts.accuracy_m,
                    },
                )
            )
    if exif.gps_lat is not None and exif.gps_lon is not None:
        gap = distance_m(facts.place, Place(exif.gps_lat, exif.gps_lon))
        measured["exif_vs_app_gps_m"] = round(gap, 1)
        if gap > max(limits.gps_exif_mismatch_m, 2 * accuracy):
            signals.append(
                Signal(
                    code=SignalCode.gps_exif_mismatch,
                    weight=0.45,
                    message=f"The camera's GPS is {gap / 1000:.1f} km from the app's position.",
                    evidence={"distance_m": round(gap)},
                )
            )
    return signals, measured


def _tokens(text: str) -> set[str]:
    return {t for t in re.split(r"[^a-z0-9]+", text.lower()) if len(t) >= 3}


def device_signals(facts: VisitFacts, exif: ExifResult, limits: MetadataThresholds) -> list[Signal]:
    signals: list[Signal] = []
    if facts.device_model and (exif.make or exif.model):
        claimed = re.sub(r"[^a-z0-9]", "", facts.device_model.lower())
        camera = _tokens(f"{exif.make or ''} {exif.model or ''}")
        model = re.sub(r"[^a-z0-9]", "", (exif.model or "").lower())
        same = any(t in claimed for t in camera) or (claimed and claimed in model)
        if not same:
            signals.append(
                Signal(
                    code=SignalCode.device_mismatch,
                    weight=0.3,
                    message=(
                        f"The app ran on {facts.device_model} but the photo's camera is "
                        f"{exif.make or ''} {exif.model or ''}".rstrip()
                        + "."
                    ),
                    evidence={
                        "device_model": facts.device_model,
                        "exif_make": exif.make,
                        "exif_model": exif.model,
                    },
                )
            )
    history = facts.quant_history
    seen = sum(history.values())
    stable = len(history) <= 3  # a camera model writes a small, stable set of tables
    unseen = bool(facts.quant_fp) and facts.quant_fp not in history
    if unseen and stable and seen >= limits.quant_min_history:
        signals.append(
            Signal(
                code=SignalCode.quant_table_unseen,
                weight=0.2,
                message=(
                    f"JPEG tables differ from all {seen} earlier photos of this camera "
                    "model: re-saved by other software?"
                ),
                evidence={"quant_fp": facts.quant_fp, "known": sorted(history)},
            )
        )
    return signals


def thumbnail_signals(
    comparison: ThumbnailComparison | None, limits: MetadataThresholds
) -> list[Signal]:
    """Same framing as the thumbnail but a region that differs: the pixels were edited.

    A low overall correlation (heavy crop, or pixels replaced wholesale) is not flagged: on
    genuine photos cropped by their owners it is too common to be evidence.
    """
    if comparison is None:
        return []
    if (
        comparison.correlation >= limits.thumbnail_min_correlation
        and comparison.worst_cell > limits.thumbnail_max_cell_difference
    ):
        return [
            Signal(
                code=SignalCode.thumbnail_mismatch,
                weight=0.4,
                message="Part of the image differs from the camera's own thumbnail: edited?",
                evidence={
                    "correlation": round(comparison.correlation, 3),
                    "worst_cell_difference": round(comparison.worst_cell, 3),
                },
            )
        ]
    return []


def pace_signals(facts: VisitFacts, limits: MetadataThresholds) -> list[Signal]:
    """Impossible travel between consecutive photos, and bursts across many stores.

    Only capture times the app reported count: an app that sends a day's photos when it
    finds a network delivers them within seconds, and received times would call that a
    burst across every store visited (and impossible travel between them).
    """
    signals: list[Signal] = []
    if facts.captured_at is None:
        return signals
    when = facts.captured_at
    here = facts.place or (facts.store.place if facts.store else None)
    worst: tuple[float, NeighbourPhoto, float] | None = None
    if here is not None:
        for other in facts.neighbours:
            if other.place is None:
                continue
            distance = distance_m(here, other.place)
            if distance < limits.min_travel_distance_m:
                continue
            hours = max(abs((when - other.at).total_seconds()), 1.0) / 3600
            speed = distance / 1000 / hours
            if speed > limits.max_travel_kmh and (worst is None or speed > worst[0]):
                worst = (speed, other, distance)
    if worst is not None:
        speed, other, distance = worst
        signals.append(
            Signal(
                code=SignalCode.impossible_travel,
                weight=0.5,
                message=(
                    f"{distance / 1000:.0f} km from photo {other.photo_id} taken "
                    f"{spoken_duration((when - other.at).total_seconds())} apart "
                    f"({speed:.0f} km/h)."
                ),
                evidence={
                    "photo_id": other.photo_id,
                    "distance_m": round(distance),
                    "speed_kmh": round(speed),
                },
            )
        )
    window = timedelta(seconds=limits.burst_window_s)
    stores = {n.store_id for n in facts.neighbours if n.store_id and abs(n.at - when) <= window}
    if facts.store is not None:
        stores.add(facts.store.store_id)
    if len(stores) >= limits.burst_min_stores:
        # Twice as many stores as a burst needs is no route a rep walks: a person looks.
        many = len(stores) >= 2 * limits.burst_min_stores
        signals.append(
            Signal(
                code=SignalCode.burst,
                weight=0.5 if many else 0.3,
                message=(
                    f"Photos for {len(stores)} different stores within "
                    f"{limits.burst_window_s / 60:.0f} minutes"
                    + (": too many for real visits." if many else ".")
                ),
                evidence={"stores": sorted(stores)},
            )
        )
    return signals


def exif_signals(exif: ExifResult, *, editor: str | None) -> list[Signal]:
    signals = []
    if editor:
        signals.append(
            Signal(
                code=SignalCode.edited_software,
                weight=0.35,
                message=f"Saved by an editor: {exif.software}.",
                evidence={"software": exif.software},
            )
        )
    if not exif.has_camera_exif:
        signals.append(
            Signal(
                code=SignalCode.no_camera_exif,
                weight=0.1,
                message="No camera EXIF: forwarded, edited or generated (weak on its own).",
            )
        )
    return signals


def check_metadata(
    facts: VisitFacts,
    exif: ExifResult,
    *,
    thumbnail: ThumbnailComparison | None,
    editor: str | None,
    limits: MetadataThresholds,
) -> MetadataResult:
    started = time.perf_counter()
    time_found, time_facts = time_signals(facts, exif, limits)
    place_found, place_facts = place_signals(facts, exif, limits)
    signals = [
        *time_found,
        *place_found,
        *device_signals(facts, exif, limits),
        *thumbnail_signals(thumbnail, limits),
        *pace_signals(facts, limits),
        *exif_signals(exif, editor=editor),
    ]
    measured: dict[str, object] = {
        **time_facts,
        **place_facts,
        "quant_fp": facts.quant_fp,
        "thumbnail": None
        if thumbnail is None
        else {
            "correlation": round(thumbnail.correlation, 3),
            "worst_cell": round(thumbnail.worst_cell, 3),
        },
    }
    return MetadataResult(
        version=VERSION,
        ms=(time.perf_counter() - started) * 1000,
        facts=measured,
        signals=signals,
    )
