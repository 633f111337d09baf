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
                Signal(
                    code=SignalCode.no_gps,
                    weight=0.1,
                    message="The app sent no GPS position (or 0, 0: no fix).",
                )
            )
        return signals, measured
    accuracy = facts.accuracy_m if facts.accuracy_m is not None else 0.0
    if typed := _typed_in(facts):
        signals.append(typed)
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
        # The fix may be off by its accuracy, up to a cap: an app claiming 499 m widened a
        # 150 m geofence to 650 m unflagged.
        margin = min(accuracy, limits.gps_accuracy_allowance_m)
        allowed = store.geofence_m + margin
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
                    + f" (allowed {store.geofence_m:.0f} m"
                    + (f" + {margin:.0f} m GPS accuracy)." if margin >= 1 else ")."),
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


# Closer to the store's pin than this is a position copied from it, not measured.
PIN_EXACT_M = 0.5


def _typed_in(facts: VisitFacts) -> Signal | None:
    """A position that looks typed in rather than measured: a receiver never reports an
    accuracy of exactly 0 m, and a fix lands on the store's own pin to half a metre about
    once in a few hundred visits; mock-location apps do both. Weak alone (0.2): it adds to
    other doubts."""
    assert facts.place is not None
    why = []
    if facts.accuracy_m == 0:
        why.append("an accuracy of exactly 0 m")
    pin = facts.store.place if facts.store else None
    if pin is not None and (off := distance_m(facts.place, pin)) < PIN_EXACT_M:
        why.append(f"the store's own pin to {off * 100:.0f} cm")
    if not why:
        return None
    return Signal(
        code=SignalCode.gps_too_exact,
        weight=0.2,
        message=f"The position looks typed in, not measured: {' and '.join(why)}.",
        evidence={"accuracy_m": facts.accuracy_m, "reasons": why},
    )


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
            # The least distance the two fixes allow: each may be off by its accuracy (up
            # to the same cap as for the geofence).
            slack = sum(
                min(a or 0.0, limits.gps_accuracy_allowance_m)
                for a in ((facts.accuracy_m if facts.place else None), other.accuracy_m)
            )
            distance = distance_m(here, other.place) - slack
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
        # Three stores in ten minutes can be kiosks in one mall; each store beyond that
        # makes a route less likely, and from the next one a person looks (0.4, past the
        # review line; five stores scored 0.3 and passed clean).
        extra = len(stores) - limits.burst_min_stores
        many = extra >= 1
        signals.append(
            Signal(
                code=SignalCode.burst,
                weight=min(0.5, 0.3 + 0.1 * extra),
                message=(
                    f"Photos for {len(stores)} different stores within "
                    f"{limits.burst_window_s / 60:.0f} minutes"
                    + (": too many for real visits." if many else ".")
                ),
                evidence={"stores": sorted(stores)},
            )
        )
    return signals
