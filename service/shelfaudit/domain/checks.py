"""Typed results of the analysis checks. Every result carries its version and timing."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.domain.check_result import CheckResult
from shelfaudit.domain.enums import FlagCode, MatchKind, Severity
from shelfaudit.domain.fraud import FraudResult, MetadataResult, SignalCode


class DecodeResult(CheckResult):
    format: str
    width: int = Field(description="upright width in pixels, after EXIF orientation")
    height: int = Field(description="upright height in pixels, after EXIF orientation")
    orientation: int = Field(description="EXIF orientation tag, 1 when absent")
    analysis_width: int = Field(description="width of the reduced decode the checks used")
    analysis_height: int
    reduction: int = Field(description="JPEG DCT reduction factor used (1, 2, 4 or 8)")


class QualityResult(CheckResult):
    sharpness: float = Field(description="variance of the Laplacian on the analysis image")
    brightness_mean: float = Field(description="mean luma 0-255")
    dark_fraction: float = Field(description="share of pixels with luma < 16")
    bright_fraction: float = Field(description="share of pixels with luma > 240")
    megapixels: float
    passed: bool
    problems: list[FlagCode]
    hint: str | None = Field(description="what the rep should do differently, if anything")


class ExifResult(CheckResult):
    present: bool
    make: str | None = None
    model: str | None = None
    software: str | None = None
    datetime_original: str | None = Field(
        default=None, description="EXIF DateTimeOriginal as written by the camera (local time)"
    )
    offset_time_original: str | None = None
    captured_at: datetime | None = Field(
        default=None, description="DateTimeOriginal as UTC when the offset is known"
    )
    gps_lat: float | None = None
    gps_lon: float | None = None
    gps_altitude_m: float | None = None
    has_camera_exif: bool = Field(description="camera make and model present")


class HashResult(CheckResult):
    phash: str = Field(description="64-bit DCT hash, 16 hex digits")
    dhash: str = Field(description="64-bit difference hash, 16 hex digits")
    pdq: str = Field(description="256-bit PDQ hash, 64 hex digits")
    pdq_quality: int = Field(description="PDQ quality 0-100; below 50 the hash is unreliable")


class DuplicateMatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    photo_id: int
    kind: MatchKind
    file: str | None = Field(default=None, description="original file name of the earlier photo")
    store_id: str | None = None
    rep_id: str | None = None
    received_at: datetime | None = None
    pdq_distance: int
    phash_distance: int
    dhash_distance: int


class DuplicatesResult(CheckResult):
    searched: int = Field(description="earlier photos compared against")
    matches: list[DuplicateMatch]


class Flag(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: FlagCode | SignalCode
    severity: Severity
    message: str


class Checks(BaseModel):
    model_config = ConfigDict(frozen=True)

    decode: DecodeResult
    quality: QualityResult
    exif: ExifResult
    hashes: HashResult
    duplicates: DuplicatesResult
    metadata: MetadataResult
    fraud: FraudResult


class AnalysisResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    pipeline_version: str
    checks: Checks
    flags: list[Flag]
    ms: float
