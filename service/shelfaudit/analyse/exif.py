"""EXIF facts: camera, original time, GPS and editing software."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from PIL import ExifTags, Image

from shelfaudit.domain.checks import ExifResult
from shelfaudit.domain.times import parse_offset

VERSION = "exif-2"

_TAG = ExifTags.Base
_GPS = ExifTags.GPS


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", "").strip()
    return text or None


def _rational(value: object) -> float:
    return float(value)  # type: ignore[arg-type]  # IFDRational and plain numbers alike


def _dms_to_degrees(dms: object, ref: object) -> float | None:
    try:
        degrees, minutes, seconds = (_rational(v) for v in dms)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if _text(ref) in ("S", "W"):
        value = -value
    return value


def parse_exif_local(text: str | None) -> datetime | None:
    """EXIF ``YYYY:MM:DD HH:MM:SS`` as a naive local time; None when absent or malformed."""
    if not text:
        return None
    try:
        return datetime.strptime(text.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def parse_exif_datetime(text: str | None, offset: str | None) -> datetime | None:
    """EXIF ``YYYY:MM:DD HH:MM:SS`` plus OffsetTimeOriginal -> UTC; None without an offset,
    or for a time that has no UTC equivalent (``0001:01:01 00:00:00`` at +01:00)."""
    tz = parse_offset(offset)
    if not text or tz is None:
        return None
    try:
        local = datetime.strptime(text.strip()[:19], "%Y:%m:%d %H:%M:%S")
        return local.replace(tzinfo=tz).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def extract(exif: Image.Exif) -> ExifResult:
    started = time.perf_counter()
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
    make = _text(exif.get(_TAG.Make))
    model = _text(exif.get(_TAG.Model))
    software = _text(exif.get(_TAG.Software))
    original = _text(exif_ifd.get(_TAG.DateTimeOriginal))
    modified = _text(exif.get(_TAG.DateTime))
    offset = _text(exif_ifd.get(_TAG.OffsetTimeOriginal))

    lat = lon = altitude = None
    if gps_ifd:
        lat = _dms_to_degrees(gps_ifd.get(_GPS.GPSLatitude), gps_ifd.get(_GPS.GPSLatitudeRef))
        lon = _dms_to_degrees(gps_ifd.get(_GPS.GPSLongitude), gps_ifd.get(_GPS.GPSLongitudeRef))
        if _GPS.GPSAltitude in gps_ifd:
            try:
                altitude = _rational(gps_ifd[_GPS.GPSAltitude])
            except (TypeError, ValueError, ZeroDivisionError):
                altitude = None
    if lat is not None and not -90 <= lat <= 90:
        lat = None
    if lon is not None and not -180 <= lon <= 180:
        lon = None
    return ExifResult(
        version=VERSION,
        ms=(time.perf_counter() - started) * 1000,
        present=bool(exif) or bool(exif_ifd),
        make=make,
        model=model,
        software=software,
        datetime_original=original,
        datetime_modified=modified,
        offset_time_original=offset,
        captured_at=parse_exif_datetime(original, offset),
        gps_lat=lat,
        gps_lon=lon,
        gps_altitude_m=altitude,
        has_camera_exif=bool(make and model),
    )
