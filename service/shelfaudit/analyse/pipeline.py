"""The analysis pipeline: bytes in, typed ``AnalysisResult`` out.

Earlier photos are reached only through the ``History`` the caller provides, and the visit
(store, activity, the rep's other photos) comes in as plain facts, so the pipeline runs the
same in a worker, a test or a notebook.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from shelfaudit.analyse import (
    decode,
    detect,
    display,
    duplicates,
    exif,
    hashes,
    metadata,
    quality,
    recapture,
    recapture_features,
    sku,
    verdict,
    visit_facts,
)
from shelfaudit.analyse.flags import editor_of, quality_flags, signal_flags
from shelfaudit.analyse.jpeg_forensics import compare_thumbnail
from shelfaudit.domain.checks import (
    AnalysisResult,
    Checks,
    DetectionsResult,
    DuplicateMatch,
    DuplicatesResult,
    ExifResult,
    HashResult,
    SkusResult,
)
from shelfaudit.scoring import DisplayStandard, SkuCounts
from shelfaudit.settings import Settings

PIPELINE_VERSION = "+".join(
    (
        decode.VERSION,
        quality.VERSION,
        exif.VERSION,
        hashes.VERSION,
        duplicates.VERSION,
        metadata.VERSION,
        verdict.VERSION,
        display.VERSION,
    )
)


class History(Protocol):
    """What the pipeline may ask about earlier photos."""

    def duplicates(
        self, hashes: HashResult, sha256: str, rgb: NDArray[np.uint8]
    ) -> tuple[list[DuplicateMatch], int]:
        """Earlier photos that match (nearest first) and how many were searched."""
        ...

    def camera_tables(self, camera: str) -> dict[str, int]:
        """Quantisation-table fingerprint -> count, over earlier photos of ``camera``."""
        ...


@dataclass(frozen=True)
class PipelineConfig:
    analysis_long_side: int
    max_pixels: int
    quality: quality.QualityThresholds
    duplicates: duplicates.Thresholds
    metadata: visit_facts.MetadataThresholds
    verdict: verdict.VerdictThresholds
    recapture: recapture.RecaptureThresholds
    skus: sku.SkuConfig = dataclasses.field(default_factory=sku.SkuConfig)

    @classmethod
    def from_settings(cls, settings: Settings) -> PipelineConfig:
        return cls(
            analysis_long_side=settings.quality_long_side,
            max_pixels=settings.max_pixels,
            quality=quality.QualityThresholds(
                min_sharpness=settings.blur_min_sharpness,
                dark_mean=settings.exposure_dark_mean,
                bright_mean=settings.exposure_bright_mean,
                clipped_fraction=settings.exposure_clipped_fraction,
                min_megapixels=settings.min_megapixels,
                min_short_side=settings.min_short_side,
            ),
            duplicates=duplicates.Thresholds(
                pdq=settings.pdq_max_distance,
                phash=settings.phash_max_distance,
                dhash=settings.dhash_max_distance,
            ),
            metadata=visit_facts.MetadataThresholds(
                capture_tolerance_s=settings.capture_time_tolerance_s,
                clock_ahead_s=settings.capture_future_tolerance_s,
                local_offsets_s=settings.local_offsets_s,
                gps_accuracy_allowance_m=settings.gps_accuracy_allowance_m,
                late_upload_h=settings.late_upload_h,
                gps_poor_accuracy_m=settings.gps_poor_accuracy_m,
                gps_exif_mismatch_m=settings.gps_exif_mismatch_m,
                max_travel_kmh=settings.max_travel_kmh,
                burst_window_s=settings.burst_window_s,
                burst_min_stores=settings.burst_min_stores,
            ),
            verdict=verdict.VerdictThresholds(
                review_at=settings.fraud_review_at, fraud_at=settings.fraud_fraud_at
            ),
            recapture=recapture.RecaptureThresholds.from_settings(settings),
            skus=sku.SkuConfig(
                min_similarity=settings.sku_min_similarity,
                product_classes=settings.sku_product_classes,
                whole_photo_fallback=settings.sku_whole_photo_fallback,
                max_crops=settings.sku_max_crops,
                alternatives=settings.sku_alternatives,
            ),
        )


@dataclass(frozen=True)
class Visit:
    """Who, where and when, as far as the pipeline needs it."""

    identity: verdict.PhotoIdentity
    facts: visit_facts.VisitFacts
    standard: DisplayStandard | None = None  # the activity's display standard, if any


@dataclass(frozen=True)
class Models:
    """The trained models the pipeline runs; each is optional (absent from the registry)."""

    detectors: detect.Detectors | None = None
    recapture: recapture.RecaptureModel | None = None
    skus: sku.SkuModels | None = None


def pipeline_version(models: Models) -> str:
    """The version results are stored under: every check's and every model's version."""
    parts = [PIPELINE_VERSION]
    if models.detectors is not None:
        parts.append(detect.versions(models.detectors))
    if models.recapture is not None:
        parts.append(f"{recapture_features.VERSION}+{models.recapture.version}")
    if models.skus is not None:
        # Not the gallery's revision: a new packshot must not re-analyse every photo; the
        # revision a photo was recognised against is kept in its result.
        parts.append(models.skus.version)
    return "+".join(parts)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def camera_key(facts: ExifResult) -> str | None:
    if not facts.make or not facts.model:
        return None
    return f"{facts.make.strip()}|{facts.model.strip()}".lower()[:200]


def recognise_skus(
    rgb: NDArray[np.uint8],
    width: int,
    height: int,
    detections: DetectionsResult | None,
    models: sku.SkuModels | None,
    config: sku.SkuConfig,
) -> SkusResult | None:
    """The SKU check, or None without an embedder or a gallery to search."""
    if models is None:
        return None
    gallery = models.gallery()
    if gallery is None:
        return None
    return sku.run(
        rgb,
        original_width=width,
        original_height=height,
        detections=detections,
        embedder=models.embedder,
        gallery=gallery,
        config=config,
        min_similarity=sku.threshold(config, models),
    )


def sku_counts(result: SkusResult | None) -> SkuCounts | None:
    """What scoring reads; boxes left unrecognised (too small, over the cap) count as unknown."""
    if result is None:
        return None
    return SkuCounts(counts=result.counts, unknown=result.unknown + result.skipped)


def analyse(
    data: bytes,
    *,
    sha256: str,
    config: PipelineConfig,
    history: History,
    visit: Visit,
    models: Models | None = None,
) -> AnalysisResult:
    """Run every check on one photo. Raises ``CorruptImage`` & co. for undecodable bytes."""
    started = time.perf_counter()
    models = models or Models()
    decoded = decode.decode(
        data, target_long_side=config.analysis_long_side, max_pixels=config.max_pixels
    )
    size = decoded.result
    quality_result = quality.assess(
        decoded.rgb, width=size.width, height=size.height, thresholds=config.quality
    )
    exif_result = exif.extract(decoded.exif)
    hash_result = hashes.compute(decoded.rgb)

    lookup_started = time.perf_counter()
    matches, searched = history.duplicates(hash_result, sha256, decoded.rgb)
    duplicates_result = DuplicatesResult(
        version=duplicates.VERSION,
        ms=(time.perf_counter() - lookup_started) * 1000,
        searched=searched,
        matches=matches,
    )

    camera = camera_key(exif_result)
    facts = dataclasses.replace(
        visit.facts,
        quant_fp=decoded.quant_fp,
        quant_history=history.camera_tables(camera) if camera and decoded.quant_fp else {},
    )
    metadata_started = time.perf_counter()
    thumbnail = (
        compare_thumbnail(decoded.thumbnail, decoded.rgb, size.orientation)
        if decoded.thumbnail
        else None
    )
    metadata_result = metadata.check_metadata(
        facts,
        exif_result,
        thumbnail=thumbnail,
        editor=editor_of(exif_result.software),
        limits=config.metadata,
    ).model_copy(update={"ms": (time.perf_counter() - metadata_started) * 1000})
    recapture_result = (
        recapture.check(decoded, model=models.recapture, thresholds=config.recapture)
        if models.recapture is not None
        else None
    )
    fraud_result = verdict.combine(
        [
            *verdict.duplicate_signals(matches, visit.identity),
            *verdict.recapture_signals(recapture_result, config.verdict),
            *metadata_result.signals,
        ],
        config.verdict,
    )
    detections = (
        detect.run(decoded.rgb, original_width=size.width, detectors=models.detectors)
        if models.detectors is not None
        else None
    )
    skus_result = recognise_skus(
        decoded.rgb, size.width, size.height, detections, models.skus, config.skus
    )
    display_result = (
        display.run(
            visit.standard,
            quality=quality_result,
            detections=detections,
            skus=sku_counts(skus_result),
        )
        if visit.standard is not None
        else None
    )
    checks = Checks(
        display=display_result,
        detections=detections,
        recapture=recapture_result,
        skus=skus_result,
        decode=size,
        quality=quality_result,
        exif=exif_result,
        hashes=hash_result,
        duplicates=duplicates_result,
        metadata=metadata_result,
        fraud=fraud_result,
    )
    return AnalysisResult(
        pipeline_version=pipeline_version(models),
        checks=checks,
        flags=[*signal_flags(fraud_result), *quality_flags(quality_result)],
        ms=(time.perf_counter() - started) * 1000,
    )
