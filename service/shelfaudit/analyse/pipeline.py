"""The analysis pipeline: bytes in, typed ``AnalysisResult`` out.

Earlier photos are reached only through the ``lookup`` callable the caller provides, so the
pipeline runs the same in a worker, a test or a notebook.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from shelfaudit.analyse import decode, duplicates, exif, hashes, quality
from shelfaudit.analyse.flags import duplicate_flags, exif_flags, quality_flags
from shelfaudit.domain.checks import (
    AnalysisResult,
    Checks,
    DuplicateMatch,
    DuplicatesResult,
    HashResult,
)
from shelfaudit.settings import Settings

PIPELINE_VERSION = "+".join(
    (
        decode.VERSION,
        quality.VERSION,
        exif.VERSION,
        hashes.VERSION,
        duplicates.VERSION,
    )
)

# (hashes of this photo, its sha256) -> (earlier photos that match, nearest first;
#                                        how many earlier photos were searched)
Lookup = Callable[[HashResult, str], tuple[list[DuplicateMatch], int]]


@dataclass(frozen=True)
class PipelineConfig:
    analysis_long_side: int
    max_pixels: int
    quality: quality.QualityThresholds
    duplicates: duplicates.Thresholds

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
        )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def analyse(data: bytes, *, sha256: str, config: PipelineConfig, lookup: Lookup) -> AnalysisResult:
    """Run every check on one photo. Raises ``CorruptImage`` & co. for undecodable bytes."""
    started = time.perf_counter()
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
    matches, searched = lookup(hash_result, sha256)
    duplicates_result = DuplicatesResult(
        version=duplicates.VERSION,
        ms=(time.perf_counter() - lookup_started) * 1000,
        searched=searched,
        matches=matches,
    )
    checks = Checks(
        decode=size,
        quality=quality_result,
        exif=exif_result,
        hashes=hash_result,
        duplicates=duplicates_result,
    )
    flags = [
        *duplicate_flags(duplicates_result),
        *quality_flags(quality_result),
        *exif_flags(exif_result),
    ]
    return AnalysisResult(
        pipeline_version=PIPELINE_VERSION,
        checks=checks,
        flags=flags,
        ms=(time.perf_counter() - started) * 1000,
    )
