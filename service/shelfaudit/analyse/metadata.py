"""Metadata and behaviour checks: time, place, device and pace of a rep's photos.

Pure functions over facts the caller gathers (``visit_facts``: the photo's visit metadata,
its store and activity, the rep's neighbouring photos, the quantisation tables seen from the
same camera model). Each check returns ``Signal``s with their evidence; none decides alone.
Time checks live in ``time_checks``, place and pace in ``place_checks``; device, JPEG and
EXIF checks here.
"""

from __future__ import annotations

import re
import time

from shelfaudit.analyse.jpeg_forensics import ThumbnailComparison
from shelfaudit.analyse.place_checks import pace_signals, place_signals
from shelfaudit.analyse.time_checks import resave_signals, time_signals
from shelfaudit.analyse.visit_facts import MetadataThresholds, VisitFacts
from shelfaudit.domain.checks import ExifResult
from shelfaudit.domain.fraud import MetadataResult, Signal, SignalCode

VERSION = "metadata-3"


def _tokens(text: str) -> set[str]:
    return {t for t in re.split(r"[^a-z0-9]+", text.lower()) if len(t) >= 3}


def device_signals(facts: VisitFacts, exif: ExifResult, limits: MetadataThresholds) -> list[Signal]:
    signals: list[Signal] = []
    if facts.device_model and (exif.make or exif.model):
        claimed = re.sub(r"[^a-z0-9]", "", facts.device_model.lower())
        camera = _tokens(f"{exif.make or ''} {exif.model or ''}")
        model = re.sub(r"[^a-z0-9]", "", (exif.model or "").lower())
        same = any(t in claimed for t in camera) or (claimed and claimed in model)
        if not same:
            signals.append(
                Signal(
                    code=SignalCode.device_mismatch,
                    weight=0.3,
                    message=(
                        f"The app ran on {facts.device_model} but the photo's camera is "
                        f"{exif.make or ''} {exif.model or ''}".rstrip()
                        + "."
                    ),
                    evidence={
                        "device_model": facts.device_model,
                        "exif_make": exif.make,
                        "exif_model": exif.model,
                    },
                )
            )
    history = facts.quant_history
    seen = sum(history.values())
    stable = len(history) <= 3  # a camera model writes a small, stable set of tables
    unseen = bool(facts.quant_fp) and facts.quant_fp not in history
    if unseen and stable and seen >= limits.quant_min_history:
        signals.append(
            Signal(
                code=SignalCode.quant_table_unseen,
                weight=0.2,
                message=(
                    f"JPEG tables differ from all {seen} earlier photos of this camera "
                    "model: re-saved by other software?"
                ),
                evidence={"quant_fp": facts.quant_fp, "known": sorted(history)},
            )
        )
    return signals


def thumbnail_signals(
    comparison: ThumbnailComparison | None, limits: MetadataThresholds
) -> list[Signal]:
    """Same framing as the thumbnail but a region that differs: the pixels were edited.

    A low overall correlation (heavy crop, or pixels replaced wholesale) is not flagged: on
    genuine photos cropped by their owners it is too common to be evidence.
    """
    if comparison is None:
        return []
    if (
        comparison.correlation >= limits.thumbnail_min_correlation
        and comparison.worst_cell > limits.thumbnail_max_cell_difference
    ):
        return [
            Signal(
                code=SignalCode.thumbnail_mismatch,
                weight=0.4,
                message="Part of the image differs from the camera's own thumbnail: edited?",
                evidence={
                    "correlation": round(comparison.correlation, 3),
                    "worst_cell_difference": round(comparison.worst_cell, 3),
                },
            )
        ]
    return []


def exif_signals(exif: ExifResult, *, editor: str | None) -> list[Signal]:
    signals = []
    if editor:
        signals.append(
            Signal(
                code=SignalCode.edited_software,
                weight=0.35,
                message=f"Saved by an editor: {exif.software}.",
                evidence={"software": exif.software},
            )
        )
    if not exif.has_camera_exif:
        signals.append(
            Signal(
                code=SignalCode.no_camera_exif,
                weight=0.1,
                message="No camera EXIF: forwarded, edited or generated (weak on its own).",
            )
        )
    return signals


def check_metadata(
    facts: VisitFacts,
    exif: ExifResult,
    *,
    thumbnail: ThumbnailComparison | None,
    editor: str | None,
    limits: MetadataThresholds,
) -> MetadataResult:
    started = time.perf_counter()
    time_found, time_facts = time_signals(facts, exif, limits)
    place_found, place_facts = place_signals(facts, exif, limits)
    signals = [
        *time_found,
        *place_found,
        *device_signals(facts, exif, limits),
        *thumbnail_signals(thumbnail, limits),
        *pace_signals(facts, limits),
        *exif_signals(exif, editor=editor),
        *resave_signals(exif),
    ]
    measured: dict[str, object] = {
        **time_facts,
        **place_facts,
        "quant_fp": facts.quant_fp,
        "thumbnail": None
        if thumbnail is None
        else {
            "correlation": round(thumbnail.correlation, 3),
            "worst_cell": round(thumbnail.worst_cell, 3),
        },
    }
    return MetadataResult(
        version=VERSION,
        ms=(time.perf_counter() - started) * 1000,
        facts=measured,
        signals=signals,
    )
