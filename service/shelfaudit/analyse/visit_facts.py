"""What the metadata checks are told of a photo's visit: the app's claims, the store, the
rep's other photos, and the thresholds the checks apply. Plain data; the caller gathers it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

EARTH_RADIUS_M = 6_371_000.0


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
    accuracy_m: float | None = None  # of its GPS; None for a store's location


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
    clock_ahead_s: float = 600.0
    local_offsets_s: tuple[int, ...] = ()  # the UTC offsets the business works in; () any
    gps_accuracy_allowance_m: float = 100.0  # most a fix's accuracy widens a geofence
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
