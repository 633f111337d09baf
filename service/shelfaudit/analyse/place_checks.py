"""Where the photo was taken, and how the rep moved: GPS against the store's geofence and
the camera's own GPS, travel speed between the rep's photos, and bursts across stores."""

from __future__ import annotations

from datetime import timedelta

from shelfaudit.analyse.visit_facts import (
    MetadataThresholds,
    NeighbourPhoto,
    Place,
    VisitFacts,
    distance_m,
)
from shelfaudit.domain.checks import ExifResult
from shelfaudit.domain.fraud import Signal, SignalCode
from shelfaudit.domain.times import spoken_duration


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
