"""Turn check results into flags: what a reviewer and the rep should notice."""

from __future__ import annotations

from shelfaudit.domain.checks import DuplicatesResult, ExifResult, Flag, QualityResult
from shelfaudit.domain.enums import FlagCode, MatchKind, Severity

# Substrings of EXIF Software values written by photo editors, not by camera firmware.
EDITOR_SOFTWARE = (
    "photoshop",
    "lightroom",
    "gimp",
    "snapseed",
    "picsart",
    "meitu",
    "美图",
    "facetune",
    "pixlr",
    "canva",
    "vsco",
    "fotor",
    "paint.net",
    "affinity",
)

_QUALITY_MESSAGES = {
    FlagCode.blurry: "The photo is blurry.",
    FlagCode.too_dark: "The photo is too dark.",
    FlagCode.too_bright: "The photo is overexposed.",
    FlagCode.low_resolution: "The photo's resolution is too low.",
}


def quality_flags(quality: QualityResult) -> list[Flag]:
    return [
        Flag(code=code, severity=Severity.warning, message=_QUALITY_MESSAGES[code])
        for code in quality.problems
    ]


def exif_flags(exif: ExifResult) -> list[Flag]:
    flags = []
    if not exif.has_camera_exif:
        # Messenger-forwarded photos carry no EXIF either: a weak signal, never a verdict.
        flags.append(
            Flag(
                code=FlagCode.no_camera_exif,
                severity=Severity.info,
                message="No camera EXIF (make and model): forwarded, edited or generated.",
            )
        )
    software = (exif.software or "").lower()
    editor = next((name for name in EDITOR_SOFTWARE if name in software), None)
    if editor:
        flags.append(
            Flag(
                code=FlagCode.edited_software,
                severity=Severity.warning,
                message=f"EXIF Software says the photo was saved by an editor: {exif.software}.",
            )
        )
    return flags


def duplicate_flags(duplicates: DuplicatesResult) -> list[Flag]:
    exact = [m for m in duplicates.matches if m.kind is MatchKind.exact]
    near = [m for m in duplicates.matches if m.kind is MatchKind.near]
    flags = []
    if exact:
        ids = ", ".join(str(m.photo_id) for m in exact[:5])
        flags.append(
            Flag(
                code=FlagCode.exact_duplicate,
                severity=Severity.critical,
                message=f"Identical file already submitted as photo {ids}.",
            )
        )
    if near:
        best = near[0]
        flags.append(
            Flag(
                code=FlagCode.near_duplicate,
                severity=Severity.critical,
                message=(
                    f"Looks like photo {best.photo_id} submitted earlier "
                    f"(PDQ distance {best.pdq_distance}/256, pHash {best.phash_distance}/64)"
                    + (f" and {len(near) - 1} more." if len(near) > 1 else ".")
                ),
            )
        )
    return flags
