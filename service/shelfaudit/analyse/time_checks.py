"""When the photo was taken: the camera's clock against the app's, the upload delay, and the
activity's running period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from shelfaudit.analyse.exif import parse_exif_local
from shelfaudit.analyse.visit_facts import MetadataThresholds, VisitFacts
from shelfaudit.domain.checks import ExifResult
from shelfaudit.domain.fraud import Signal, SignalCode
from shelfaudit.domain.times import offset_text, spoken_duration

# Every UTC offset in use: whole hours from -12 to +14 and the half and three-quarter ones.
UTC_OFFSETS_S = sorted(
    {h * 3600 for h in range(-12, 15)}
    | {round(m * 60) for m in (-570, -210, -150, 210, 270, 330, 345, 390, 525, 570, 630, 765, 825)}
)


class TimeBasis(StrEnum):
    """How the camera's time was put on the app's clock."""

    camera_offset = "camera_offset"  # EXIF OffsetTimeOriginal: exact
    app_offset = "app_offset"  # the camera's local time read in the offset the app sent
    local_offset = "local_offset"  # read in the offsets the business works in (settings)
    any_offset = "any_offset"  # no offset known: the smallest gap over every UTC offset


def _exif_time_gap_s(
    exif: ExifResult,
    app_time: datetime,
    app_offset_s: int | None,
    local_offsets_s: tuple[int, ...] = (),
) -> tuple[float, TimeBasis] | None:
    """Seconds between the camera's and the app's capture time, and how they were compared.

    With OffsetTimeOriginal the camera time is exact UTC. Without it the camera's local time
    is read in the UTC offset the app sent with its time (the phone's zone), when that is
    one the business works in (``local_offsets_s``, from settings; any, when none are set).
    An offset of zero says nothing (many apps write UTC), and neither does one outside the
    business's (a cheat's choice): then the gap is the smallest over the business's offsets,
    or over every real UTC offset when none are set, and a photo taken a whole number of
    hours earlier may pass.
    """
    if exif.captured_at is not None:
        return abs((exif.captured_at - app_time).total_seconds()), TimeBasis.camera_offset
    local = parse_exif_local(exif.datetime_original)
    if local is None:
        return None
    raw = (local - app_time.astimezone(UTC).replace(tzinfo=None)).total_seconds()
    if app_offset_s and (not local_offsets_s or app_offset_s in local_offsets_s):
        return abs(raw - app_offset_s), TimeBasis.app_offset
    if local_offsets_s:
        return min(abs(raw - offset) for offset in local_offsets_s), TimeBasis.local_offset
    return min(abs(raw - offset) for offset in UTC_OFFSETS_S), TimeBasis.any_offset


_BASIS_NOTE = {
    TimeBasis.camera_offset: ".",
    TimeBasis.app_offset: " (the camera's clock read in the app's time zone, UTC{offset}).",
    TimeBasis.local_offset: " (the camera's clock read in the business's time zones).",
    # Without any UTC offset the gap is the smallest over every time zone: the true gap
    # may be larger.
    TimeBasis.any_offset: " (at least: the camera gives no time zone).",
}


def _latest_utc(exif: ExifResult) -> datetime | None:
    """The latest moment the camera's local time (no offset written) can be: read at UTC-12,
    so an age measured from it is never more than the truth."""
    local = parse_exif_local(exif.datetime_original)
    return None if local is None else local.replace(tzinfo=UTC) + timedelta(hours=12)


def time_signals(
    facts: VisitFacts, exif: ExifResult, limits: MetadataThresholds
) -> tuple[list[Signal], dict[str, object]]:
    signals: list[Signal] = []
    measured: dict[str, object] = {}
    if facts.captured_at is not None:
        compared = _exif_time_gap_s(
            exif, facts.captured_at, facts.captured_offset_s, limits.local_offsets_s
        )
        measured["exif_vs_app_time_s"] = None if compared is None else round(compared[0], 1)
        if compared is not None and compared[0] > limits.capture_tolerance_s:
            gap, basis = compared
            sent = facts.captured_offset_s
            offset = "" if sent is None else offset_text(sent // 60)
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
    if facts.captured_at is not None:
        ahead = (facts.captured_at - facts.received_at).total_seconds()
        if ahead > limits.clock_ahead_s:
            signals.append(
                Signal(
                    code=SignalCode.clock_ahead,
                    weight=0.35,
                    message=(
                        f"The app said the photo was taken {spoken_duration(ahead)} after it "
                        "arrived: the phone's clock is wrong, so its times cannot be trusted."
                    ),
                    evidence={
                        "app_captured_at": facts.captured_at.isoformat(),
                        "received_at": facts.received_at.isoformat(),
                        "ahead_s": round(ahead),
                    },
                )
            )
    elif facts.store is not None:  # a visit claimed (a file audited on its own claims none)
        signals.append(
            Signal(
                code=SignalCode.no_capture_time,
                weight=0.1,
                message="The app sent no capture time: the time and travel checks read the "
                "camera's clock only.",
            )
        )
    # For a claimed visit the camera's local clock dates the photo even without its offset:
    # an old gallery photo sent with no time passed as new.
    latest = _latest_utc(exif) if facts.store is not None else None
    taken = [t for t in (facts.captured_at, exif.captured_at, latest) if t]
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


# Phones write DateTime and DateTimeOriginal together; a save a minute or more later is
# an editor or an export (every genuine photo with both tags in the shared sets has them equal).
RESAVE_AFTER_S = 60.0


def resave_signals(exif: ExifResult) -> list[Signal]:
    """The file was saved again well after the camera took it (EXIF DateTime later than
    DateTimeOriginal): edited, or exported from somewhere, even when the editor left no
    Software tag."""
    taken = parse_exif_local(exif.datetime_original)
    saved = parse_exif_local(exif.datetime_modified)
    if taken is None or saved is None:
        return []
    later = (saved - taken).total_seconds()
    if later < RESAVE_AFTER_S:
        return []
    return [
        Signal(
            code=SignalCode.resaved_after_capture,
            weight=0.3,
            message=f"The file was saved again {spoken_duration(later)} after it was taken.",
            evidence={
                "exif_datetime_original": exif.datetime_original,
                "exif_datetime": exif.datetime_modified,
                "later_s": round(later),
            },
        )
    ]
