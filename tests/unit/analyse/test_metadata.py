from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shelfaudit.analyse.jpeg_forensics import ThumbnailComparison
from shelfaudit.analyse.metadata import check_metadata
from shelfaudit.analyse.verdict import VerdictThresholds
from shelfaudit.analyse.visit_facts import (
    MetadataThresholds,
    NeighbourPhoto,
    Place,
    StoreFacts,
    VisitFacts,
    distance_m,
)
from shelfaudit.domain.checks import ExifResult
from shelfaudit.domain.fraud import Signal, SignalCode

NOW = datetime(2026, 5, 12, 9, 30, tzinfo=UTC)
STORE = StoreFacts(store_id="S1", place=Place(10.7769, 106.7009), geofence_m=150)
LIMITS = MetadataThresholds()


def exif(**fields: Any) -> ExifResult:
    base: dict[str, Any] = {
        "version": "t",
        "ms": 0,
        "present": True,
        "make": "samsung",
        "model": "SM-A515F",
        "datetime_original": "2026:05:12 16:25:00",  # local time in UTC+7
        "has_camera_exif": True,
    }
    return ExifResult(**{**base, **fields})


def visit(**fields: Any) -> VisitFacts:
    base = VisitFacts(
        captured_at=NOW - timedelta(minutes=5),
        received_at=NOW,
        place=Place(10.7770, 106.7010),
        accuracy_m=10,
        device_model="SM-A515F",
        store=STORE,
    )
    return dataclasses.replace(base, **fields)


def signals(facts: VisitFacts, exif_facts: ExifResult | None = None, **kw: Any) -> list[Signal]:
    result = check_metadata(
        facts,
        exif_facts or exif(),
        thumbnail=kw.get("thumbnail"),
        editor=kw.get("editor"),
        limits=LIMITS,
    )
    return result.signals


def codes(facts: VisitFacts, exif_facts: ExifResult | None = None, **kw: Any) -> set[SignalCode]:
    return {s.code for s in signals(facts, exif_facts, **kw)}


def test_an_honest_visit_raises_nothing() -> None:
    assert codes(visit()) == set()


def test_distance_is_haversine() -> None:
    # One degree of latitude is about 111.2 km.
    assert distance_m(Place(0, 0), Place(1, 0)) == pytest.approx(111_195, rel=1e-3)


CASES: list[tuple[str, dict[str, Any], dict[str, Any], SignalCode]] = [
    (
        "camera_time_hours_off",
        {},
        {"datetime_original": "2026:05:12 11:00:00"},
        SignalCode.capture_time_mismatch,
    ),
    (
        "camera_time_with_offset_off",
        {},
        {"captured_at": NOW - timedelta(days=3), "datetime_original": "2026:05:09 09:25:00"},
        SignalCode.capture_time_mismatch,
    ),
    (
        "uploaded_days_later",
        {"captured_at": NOW - timedelta(days=4)},
        {"datetime_original": None},
        SignalCode.late_upload,
    ),
    ("outside_geofence", {"place": Place(10.7900, 106.7009)}, {}, SignalCode.outside_geofence),
    ("poor_accuracy", {"accuracy_m": 2000}, {}, SignalCode.gps_inaccurate),
    ("no_gps", {"place": None, "accuracy_m": None}, {}, SignalCode.no_gps),
    (
        "exif_gps_far_away",
        {},
        {"gps_lat": 21.0278, "gps_lon": 105.8342},
        SignalCode.gps_exif_mismatch,
    ),
    ("other_phone", {"device_model": "iPhone14,2"}, {}, SignalCode.device_mismatch),
    (
        "outside_activity",
        {"activity_window": (NOW + timedelta(days=1), NOW + timedelta(days=30))},
        {},
        SignalCode.outside_activity_period,
    ),
]


@pytest.mark.parametrize(
    ("name", "facts", "exif_fields", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_each_metadata_signal(
    name: str, facts: dict[str, Any], exif_fields: dict[str, Any], expected: SignalCode
) -> None:
    assert expected in codes(visit(**facts), exif(**exif_fields))


@pytest.mark.parametrize(
    ("device_model", "make", "model"),
    [
        ("iPhone14,2", "Apple", "iPhone 13 Pro"),
        ("SM-A515F", "samsung", "SM-A515F"),
        ("Redmi Note 8", "Xiaomi", "Redmi Note 8"),
    ],
)
def test_device_names_that_agree_are_not_flagged(device_model: str, make: str, model: str) -> None:
    assert SignalCode.device_mismatch not in codes(
        visit(device_model=device_model), exif(make=make, model=model)
    )


def test_time_zone_difference_alone_is_not_a_mismatch() -> None:
    # Camera local time 16:25 in UTC+7 is the app's 09:25 UTC.
    assert SignalCode.capture_time_mismatch not in codes(visit(), exif())


HANOI_TIME = 7 * 3600  # UTC+07:00, as an app in Vietnam sends captured_at


@pytest.mark.parametrize(
    ("camera_local_time", "app_offset_s", "flagged"),
    [
        ("2026:05:12 16:25:00", HANOI_TIME, False),  # taken when the app said
        ("2026:05:12 16:25:00", None, False),
        ("2026:05:12 16:25:00", 0, False),  # "Z": many apps write UTC, whatever the zone
        # Taken 7 hours earlier: read in any time zone it is 09:25 UTC exactly.
        ("2026:05:12 09:25:00", HANOI_TIME, True),
        ("2026:05:12 09:25:00", None, False),  # unknowable without an offset
        ("2026:05:12 13:25:00", HANOI_TIME, True),  # taken 3 hours earlier
    ],
)
def test_the_camera_clock_is_read_in_the_time_zone_the_app_sent(
    camera_local_time: str, app_offset_s: int | None, flagged: bool
) -> None:
    facts = visit(captured_offset_s=app_offset_s)
    found = [
        s
        for s in signals(facts, exif(datetime_original=camera_local_time))
        if s.code is SignalCode.capture_time_mismatch
    ]
    assert bool(found) == flagged
    if found:
        assert "app's time zone, UTC+07:00" in found[0].message
        assert found[0].evidence["compared"] == "app_offset"


def test_geofence_allows_for_gps_accuracy_up_to_a_cap() -> None:
    near = Place(10.7769 + 0.0021, 106.7009)  # about 235 m north of a 150 m geofence
    assert SignalCode.outside_geofence in codes(visit(place=near, accuracy_m=10))
    assert SignalCode.outside_geofence not in codes(visit(place=near, accuracy_m=200))
    # An app claiming 499 m widened the geofence to 650 m: the allowance stops at 100 m.
    far = Place(10.7769 + 0.0058, 106.7009)  # about 640 m north
    assert SignalCode.outside_geofence in codes(visit(place=far, accuracy_m=499))


def test_impossible_travel_between_consecutive_photos() -> None:
    hanoi = NeighbourPhoto(
        photo_id=9, store_id="S9", at=NOW - timedelta(minutes=30), place=Place(21.0278, 105.8342)
    )
    signals = check_metadata(
        visit(neighbours=[hanoi]), exif(), thumbnail=None, editor=None, limits=LIMITS
    ).signals
    travel = [s for s in signals if s.code is SignalCode.impossible_travel]
    assert travel
    assert travel[0].evidence["photo_id"] == 9
    assert travel[0].evidence["speed_kmh"] > 1000


def test_travel_at_city_speed_is_fine() -> None:
    nearby = NeighbourPhoto(
        photo_id=8, store_id="S8", at=NOW - timedelta(minutes=30), place=Place(10.80, 106.70)
    )
    assert SignalCode.impossible_travel not in codes(visit(neighbours=[nearby]))


def test_burst_of_stores_in_minutes() -> None:
    others = [
        NeighbourPhoto(photo_id=i, store_id=f"S{i + 1}", at=NOW - timedelta(minutes=i), place=None)
        for i in (1, 2)
    ]
    assert SignalCode.burst in codes(visit(neighbours=others))
    assert SignalCode.burst not in codes(visit(neighbours=others[:1]))


@pytest.mark.parametrize(("stores", "weight"), [(3, 0.3), (4, 0.4), (5, 0.5), (30, 0.5)])
def test_a_burst_beyond_a_malls_kiosks_goes_to_a_person(stores: int, weight: float) -> None:
    others = [
        NeighbourPhoto(
            photo_id=i, store_id=f"S{i + 1}", at=NOW - timedelta(seconds=4 * i), place=None
        )
        for i in range(1, stores)
    ]
    (burst,) = [s for s in signals(visit(neighbours=others)) if s.code is SignalCode.burst]
    assert burst.weight == pytest.approx(weight)
    assert f"{stores} different stores" in burst.message


def test_an_old_photo_uploaded_days_later_goes_to_a_person_alone() -> None:
    (late,) = [
        s
        for s in signals(visit(captured_at=NOW - timedelta(days=4)))
        if s.code is SignalCode.late_upload
    ]
    assert late.weight >= VerdictThresholds().review_at


def test_unseen_quant_tables_for_a_well_known_camera() -> None:
    history = {"aaaa": 40}
    assert SignalCode.quant_table_unseen in codes(visit(quant_fp="bbbb", quant_history=history))
    assert SignalCode.quant_table_unseen not in codes(visit(quant_fp="aaaa", quant_history=history))
    assert SignalCode.quant_table_unseen not in codes(
        visit(quant_fp="bbbb", quant_history={"aaaa": 2})
    )


@pytest.mark.parametrize(
    ("correlation", "worst", "flagged"),
    [(0.9, 0.4, False), (0.85, 0.9, True), (0.3, 1.5, False)],
)
def test_thumbnail_signal(correlation: float, worst: float, flagged: bool) -> None:
    comparison = ThumbnailComparison(correlation=correlation, worst_cell=worst, scale=1.0)
    assert (SignalCode.thumbnail_mismatch in codes(visit(), thumbnail=comparison)) is flagged


def test_missing_exif_is_weak() -> None:
    bare = exif(make=None, model=None, datetime_original=None, has_camera_exif=False)
    signals = check_metadata(visit(), bare, thumbnail=None, editor=None, limits=LIMITS).signals
    assert [(s.code, s.weight) for s in signals] == [(SignalCode.no_camera_exif, 0.1)]


def test_without_an_app_capture_time_there_is_no_pace_to_judge() -> None:
    # An app that sends a day's photos when it finds a network: received seconds apart.
    hanoi = NeighbourPhoto(
        photo_id=9, store_id="S9", at=NOW - timedelta(seconds=5), place=Place(21.0278, 105.8342)
    )
    others = [
        NeighbourPhoto(photo_id=i, store_id=f"S{i + 1}", at=NOW - timedelta(seconds=i), place=None)
        for i in (1, 2, 3, 4, 5)
    ]
    found = codes(visit(captured_at=None, neighbours=[hanoi, *others]))
    assert SignalCode.burst not in found
    assert SignalCode.impossible_travel not in found


@pytest.mark.parametrize(
    ("place", "accuracy_m", "typed_in"),
    [
        (Place(10.7770, 106.7010), 12, False),  # a real fix 15 m from the pin
        (Place(10.7770, 106.7010), 0, True),  # no receiver reports 0 m
        (STORE.place, 8, True),  # the store's own pin, copied
        (STORE.place, None, True),
    ],
)
def test_a_position_that_looks_typed_in_is_a_weak_signal(
    place: Place | None, accuracy_m: float | None, typed_in: bool
) -> None:
    found = [
        s
        for s in signals(visit(place=place, accuracy_m=accuracy_m))
        if s.code is SignalCode.gps_too_exact
    ]
    assert bool(found) == typed_in
    if found:
        assert found[0].weight < VerdictThresholds().review_at  # never a verdict alone


def test_the_geofence_reason_says_how_much_gps_accuracy_was_allowed() -> None:
    near = Place(10.7769 + 0.0025, 106.7009)  # about 280 m north
    (reason,) = [
        s
        for s in signals(visit(place=near, accuracy_m=40))
        if s.code is SignalCode.outside_geofence
    ]
    assert "(allowed 150 m + 40 m GPS accuracy)" in reason.message


@pytest.mark.parametrize(("accuracy_m", "flagged"), [(10, True), (800, False)])
def test_travel_speed_allows_for_both_fixes_accuracy(accuracy_m: float, flagged: bool) -> None:
    # 2.1 km in a minute is 126 km/h... at 10 m accuracy; with two fixes each allowed
    # 100 m it may be 1.9 km, under the distance worth judging.
    other = NeighbourPhoto(
        photo_id=3,
        store_id="S3",
        at=NOW - timedelta(minutes=6),
        place=Place(10.7770 + 0.0189, 106.7010),
        accuracy_m=accuracy_m,
    )
    facts = visit(accuracy_m=accuracy_m, neighbours=[other])
    limits = dataclasses.replace(LIMITS, max_travel_kmh=100)
    found = check_metadata(facts, exif(), thumbnail=None, editor=None, limits=limits).signals
    assert (SignalCode.impossible_travel in {s.code for s in found}) == flagged


VIETNAM = (7 * 3600,)


@pytest.mark.parametrize(
    ("app_offset_s", "flagged"),
    [
        (7 * 3600, False),  # the honest offset, and one of the business's
        (0, True),  # Z: read in the business's offsets, not in every one
        (4 * 3600, True),  # an offset of the sender's choosing
    ],
)
def test_the_camera_clock_is_read_in_the_businesss_offsets_when_the_app_gives_another(
    app_offset_s: int, flagged: bool
) -> None:
    # Taken 7 hours before the app's time: 09:25 local in Vietnam, sent as 16:25 local.
    facts = visit(captured_offset_s=app_offset_s)
    limits = dataclasses.replace(LIMITS, local_offsets_s=VIETNAM)
    camera = exif(datetime_original="2026:05:12 09:25:00")
    if not flagged:
        camera = exif(datetime_original="2026:05:12 16:25:00")
    found = check_metadata(facts, camera, thumbnail=None, editor=None, limits=limits).signals
    assert (SignalCode.capture_time_mismatch in {s.code for s in found}) == flagged


def test_without_an_app_capture_time_the_camera_clock_still_dates_the_photo() -> None:
    days_old = exif(datetime_original="2026:05:07 09:25:00")  # five days before NOW
    found = codes(visit(captured_at=None), days_old)
    assert SignalCode.no_capture_time in found
    assert SignalCode.late_upload in found
    # A camera clock just now, in any time zone, is not late.
    assert SignalCode.late_upload not in codes(visit(captured_at=None), exif())
