from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shelfaudit.analyse import exif
from shelfaudit.analyse.decode import decode
from shelfaudit.analyse.flags import editor_of
from shelfaudit.analyse.metadata import exif_signals
from shelfaudit.analyse.time_checks import resave_signals
from shelfaudit.domain.fraud import SignalCode
from tests.factories import jpeg_with_exif, real_photos


def facts_of(data: bytes) -> exif.ExifResult:
    return exif.extract(decode(data, target_long_side=512, max_pixels=10**8).exif)


def test_real_phone_photo_has_camera_facts() -> None:
    facts = facts_of(real_photos()[0].read_bytes())
    assert (facts.make, facts.model) == ("SAMSUNG", "SCH-I925")
    assert facts.datetime_original == "2017:10:09 14:26:01"
    assert facts.has_camera_exif


def test_real_phone_photo_gps_is_read_in_degrees() -> None:
    facts = facts_of(real_photos()[1].read_bytes())
    assert facts.gps_lat == pytest.approx(23.16425, abs=1e-4)
    assert facts.gps_lon == pytest.approx(113.26393, abs=1e-4)


def test_genuine_phone_photos_raise_no_exif_flag() -> None:
    for path in real_photos():
        facts = facts_of(path.read_bytes())
        assert exif_signals(facts, editor=editor_of(facts.software)) == [], path.name


def test_original_time_with_offset_becomes_utc() -> None:
    facts = facts_of(
        jpeg_with_exif(
            Make="Xiaomi",
            Model="M2101",
            DateTimeOriginal="2026:05:12 09:30:00",
            OffsetTimeOriginal="+08:00",
        )
    )
    assert facts.captured_at == datetime(2026, 5, 12, 1, 30, tzinfo=UTC)


def test_southern_western_gps_is_negative() -> None:
    facts = facts_of(
        jpeg_with_exif(
            GPSLatitudeRef="S",
            GPSLatitude=(33.0, 52.0, 0.0),
            GPSLongitudeRef="W",
            GPSLongitude=(70.0, 30.0, 0.0),
        )
    )
    assert facts.gps_lat == pytest.approx(-33.8667, abs=1e-3)
    assert facts.gps_lon == pytest.approx(-70.5, abs=1e-3)


def test_missing_exif_is_an_info_flag_only() -> None:
    signals = exif_signals(facts_of(jpeg_with_exif()), editor=None)
    assert [(s.code, s.weight) for s in signals] == [(SignalCode.no_camera_exif, 0.1)]


def test_editor_in_software_tag_is_flagged() -> None:
    facts = facts_of(
        jpeg_with_exif(Make="Apple", Model="iPhone 13", Software="Adobe Photoshop 25.1")
    )
    signals = exif_signals(facts, editor=editor_of(facts.software))
    assert [s.code for s in signals] == [SignalCode.edited_software]


@pytest.mark.parametrize(
    ("text", "offset", "expected"),
    [
        ("2026:05:12 09:30:00", None, None),
        ("2026:05:12 09:30:00", "bogus", None),
        ("0000:00:00 00:00:00", "+00:00", None),
        ("2026:05:12 09:30:00", "-05:00", datetime(2026, 5, 12, 14, 30, tzinfo=UTC)),
        ("2026:05:12 09:30:00", "+14:00", datetime(2026, 5, 11, 19, 30, tzinfo=UTC)),
        # Offsets no place on Earth uses, and times with no UTC equivalent: unknown time.
        ("2026:05:12 09:30:00", "+99:00", None),
        ("2026:05:12 09:30:00", "+24:00", None),
        ("2026:05:12 09:30:00", "+14:01", None),
        ("2026:05:12 09:30:00", "+05:60", None),
        ("0001:01:01 00:00:00", "+01:00", None),
        ("9999:12:31 23:59:59", "-01:00", None),
        ("9999:12:31 23:59:59", "+00:00", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_parse_exif_datetime(text: str, offset: str | None, expected: datetime | None) -> None:
    assert exif.parse_exif_datetime(text, offset) == expected


@pytest.mark.parametrize(
    ("saved", "flagged"),
    [
        ("2026:05:12 09:30:00", False),  # phones write both at once
        ("2026:05:12 09:30:40", False),  # an HDR merge or a slow save
        ("2026:05:14 18:02:11", True),  # edited two days later, Software left as the camera
        (None, False),
    ],
)
def test_a_file_saved_again_long_after_it_was_taken_is_flagged(
    saved: str | None, flagged: bool
) -> None:
    tags: dict[str, object] = {"Make": "samsung", "Model": "SM-A515F"}
    tags["DateTimeOriginal"] = "2026:05:12 09:30:00"
    if saved:
        tags["DateTime"] = saved
    facts = facts_of(jpeg_with_exif(**tags))
    assert facts.datetime_modified == saved
    found = resave_signals(facts)
    assert bool(found) == flagged
    if found:
        assert found[0].code is SignalCode.resaved_after_capture
        assert "2 days after it was taken" in found[0].message


def test_no_genuine_phone_original_was_saved_again() -> None:
    for path in real_photos():
        assert resave_signals(facts_of(path.read_bytes())) == [], path.name
