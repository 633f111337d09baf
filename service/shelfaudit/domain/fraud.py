"""Fraud signals and the one verdict built from them."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.domain.check_result import CheckResult


class Verdict(StrEnum):
    clean = "clean"
    review = "review"  # a person decides; never punish an honest rep on a guess
    fraud = "fraud"


class SignalCode(StrEnum):
    exact_duplicate = "exact_duplicate"
    near_duplicate = "near_duplicate"
    recapture = "recapture"
    capture_time_mismatch = "capture_time_mismatch"
    late_upload = "late_upload"
    clock_ahead = "clock_ahead"
    no_capture_time = "no_capture_time"
    outside_activity_period = "outside_activity_period"
    outside_geofence = "outside_geofence"
    gps_inaccurate = "gps_inaccurate"
    no_gps = "no_gps"
    gps_too_exact = "gps_too_exact"
    gps_exif_mismatch = "gps_exif_mismatch"
    device_mismatch = "device_mismatch"
    edited_software = "edited_software"
    resaved_after_capture = "resaved_after_capture"
    no_camera_exif = "no_camera_exif"
    quant_table_unseen = "quant_table_unseen"
    thumbnail_mismatch = "thumbnail_mismatch"
    impossible_travel = "impossible_travel"
    burst = "burst"


class Signal(BaseModel):
    """One piece of evidence. ``weight`` is its contribution to the fraud score (0-1)."""

    model_config = ConfigDict(frozen=True)

    code: SignalCode
    weight: float = Field(ge=0, le=1)
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)


class MetadataResult(CheckResult):
    """Metadata and behaviour checks: the facts measured and the signals they raised."""

    facts: dict[str, Any]
    signals: list[Signal]


class FraudResult(CheckResult):
    verdict: Verdict
    score: float = Field(ge=0, le=1, description="noisy-OR of the signal weights")
    reasons: list[Signal] = Field(description="every signal, strongest first")
    review_at: float
    fraud_at: float
