"""Typed results of the analysis checks. Every result carries its version and timing."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.domain.check_result import CheckResult
from shelfaudit.domain.enums import FlagCode, MatchKind, RecaptureVerdict, Severity
from shelfaudit.domain.fraud import FraudResult, MetadataResult, SignalCode


class DecodeResult(CheckResult):
    format: str
    width: int = Field(description="upright width in pixels, after EXIF orientation")
    height: int = Field(description="upright height in pixels, after EXIF orientation")
    orientation: int = Field(description="EXIF orientation tag, 1 when absent")
    analysis_width: int = Field(description="width of the reduced decode the checks used")
    analysis_height: int
    reduction: int = Field(
        description="reduction while decoding: the JPEG DCT factor (1, 2, 4 or 8), "
        "or the box factor a PNG or WebP was reduced by"
    )


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
    datetime_modified: str | None = Field(
        default=None, description="EXIF DateTime: when the file was last saved (local time)"
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
    # The photo with each of the eight rotations and flips undone (hashes.DIHEDRAL order),
    # then, when it sits inside flat bars (a screenshot, a frame), the content inside them;
    # for the duplicate search, not kept with the results.
    pdq_variants: tuple[str, ...] = Field(default=(), exclude=True)
    phash_variants: tuple[str, ...] = Field(default=(), exclude=True)
    dhash_variants: tuple[str, ...] = Field(default=(), exclude=True)


class DuplicateMatch(BaseModel):
    """An earlier photo this one repeats, with the evidence a reviewer sees side by side."""

    model_config = ConfigDict(frozen=True)

    photo_id: int
    kind: MatchKind
    file: str | None = Field(default=None, description="original file name of the earlier photo")
    store_id: str | None = None
    rep_id: str | None = None
    received_at: datetime | None = None
    captured_at: datetime | None = Field(default=None, description="EXIF capture time, UTC")
    pdq_distance: int = Field(description="PDQ bits (of 256) from the nearest variant; -1: none")
    phash_distance: int = Field(description="pHash bits (of 64), same variant; -1: none")
    dhash_distance: int = Field(description="dHash bits (of 64), same variant; -1: none")
    stage: Literal["sha256", "hash", "local_features"] = Field(
        default="hash", description="what found it: identical bytes, hashes, or local features"
    )
    variant: str = Field(
        default="identity",
        description="how this photo differs from the earlier one (rotate_90: turned 90° "
        "counter-clockwise, flip_horizontal: mirrored, border_trimmed: the earlier photo inside "
        "bars, as in a screenshot, ...)",
    )
    inliers: int | None = Field(
        default=None, description="keypoint matches consistent with one homography (stage 2)"
    )
    similarity: float | None = Field(
        default=None, description="correlation of the two pictures once aligned (stage 2)"
    )


class DuplicatesResult(CheckResult):
    searched: int = Field(description="earlier photos in the hash index")
    matches: list[DuplicateMatch]


class DetectionBox(BaseModel):
    model_config = ConfigDict(frozen=True)

    class_name: str
    confidence: float
    xyxy: list[float] = Field(description="x1, y1, x2, y2 in original-photo pixels")
    row: int | None = Field(description="shelf row from the top (0), None when on no row")


class ShelfRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    xyxy: list[float]
    confidence: float


class ShareResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    facings: int
    count_share: float
    width_share: float


class DetectionsResult(CheckResult):
    models: dict[str, str] = Field(description="model name -> version that produced the boxes")
    boxes: list[DetectionBox]
    counts: dict[str, int] = Field(description="boxes per class")
    rows: list[ShelfRow] = Field(
        description="shelf row boxes, top to bottom; boxes of side by side bays at the same "
        "height share their index (a shelf level)"
    )
    shares: dict[str, ShareResult] = Field(description="share of shelf per brand")
    groups: dict[str, list[str]] = Field(description="class groups: brand, packaging, ...")
    timings_ms: dict[str, float]

    @property
    def levels(self) -> int:
        """Shelf levels seen (row boxes of side by side bays count once)."""
        return len({row.index for row in self.rows})


class RecaptureResult(CheckResult):
    """Whether the photo shows a screen or a print rather than the scene itself."""

    model: str = Field(description="recapture model version that scored the photo")
    probability: float = Field(description="calibrated probability of a recapture, 0-1")
    verdict: RecaptureVerdict
    evidence: dict[str, float] = Field(
        description="the features that pushed the score most, as measured on this photo"
    )
    timings_ms: dict[str, float] = Field(description="features, model: milliseconds each")


class DisplayCriterion(BaseModel):
    """One criterion of the activity's display standard, as scored on this photo."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: str
    expected: float
    observed: float | None
    unit: str
    passed: bool
    points: float
    max_points: float
    mandatory: bool
    sentence: str = Field(description="plain English for the rep")


class DisplayResult(CheckResult):
    standard_id: str
    standard_version: int
    score: float = Field(description="0-100; 0 when a mandatory criterion failed")
    points_score: float
    passed_mandatory: bool
    reason: str | None
    criteria: list[DisplayCriterion]
    measures: dict[str, float] = Field(description="criterion -> observed value")
    breakdown: list[dict[str, str]] = Field(description="rows for the review page")


class SkuAlternative(BaseModel):
    """A runner-up SKU for one facing."""

    model_config = ConfigDict(frozen=True)

    sku_id: str
    name: str | None = None
    similarity: float = Field(description="cosine similarity to the SKU's nearest packshot")


class SkuRecognition(BaseModel):
    """What one product facing was recognised as."""

    model_config = ConfigDict(frozen=True)

    box: int | None = Field(
        description="index into detections.boxes; None when the whole photo was recognised"
    )
    xyxy: list[float] = Field(description="x1, y1, x2, y2 of the crop in original-photo pixels")
    sku_id: str | None = Field(description="None: unknown (no packshot close enough)")
    name: str | None = None
    brand: str | None = None
    similarity: float | None = Field(
        description="cosine similarity to the best SKU, -1 to 1; None: the catalogue is empty"
    )
    alternatives: list[SkuAlternative] = Field(description="next best SKUs, best first")


class SkusResult(CheckResult):
    """SKU recognition of the product facings against the packshot gallery."""

    model: str = Field(description="embedding model version")
    gallery_skus: int = Field(description="SKUs in the gallery when the photo was analysed")
    gallery_vectors: int = Field(description="packshot embeddings searched")
    gallery_revision: str = Field(description="catalogue state the gallery was built from")
    min_similarity: float = Field(description="below this a facing stays unknown")
    source: Literal["detections", "whole_photo"] = Field(
        description="crops of detected products, or the whole photo when none was detected"
    )
    items: list[SkuRecognition]
    counts: dict[str, int] = Field(description="facings per recognised SKU id")
    unknown: int = Field(description="facings no SKU was close enough to")
    skipped: int = Field(
        default=0, description="product boxes not recognised: too small, or over the crop cap"
    )
    timings_ms: dict[str, float] = Field(description="crop, embed, search: milliseconds each")


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
    detections: DetectionsResult | None = None
    recapture: RecaptureResult | None = None
    skus: SkusResult | None = None
    display: DisplayResult | None = None


class AnalysisResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    pipeline_version: str
    checks: Checks
    flags: list[Flag]
    ms: float
