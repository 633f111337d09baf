"""Turn check results into flags: what a reviewer and the rep should notice."""

from __future__ import annotations

from shelfaudit.domain.checks import Flag, QualityResult
from shelfaudit.domain.enums import FlagCode, Severity
from shelfaudit.domain.fraud import FraudResult

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


def editor_of(software: str | None) -> str | None:
    """The photo editor named in an EXIF Software value, if any."""
    text = (software or "").lower()
    return next((name for name in EDITOR_SOFTWARE if name in text), None)


def signal_flags(fraud: FraudResult) -> list[Flag]:
    """Every fraud signal as a flag; severity follows its weight."""
    flags = []
    for signal in fraud.reasons:
        if signal.weight >= 0.5:
            severity = Severity.critical
        elif signal.weight >= 0.2:
            severity = Severity.warning
        else:
            severity = Severity.info
        flags.append(Flag(code=signal.code, severity=severity, message=signal.message))
    return flags
