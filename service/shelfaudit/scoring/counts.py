"""Criteria that count things: facings, display elements, facings in a shelf band."""

from __future__ import annotations

from shelfaudit.scoring.bands import band_rows, describe_rows
from shelfaudit.scoring.facings import UnknownGroup, target_boxes
from shelfaudit.scoring.inputs import ScoringInput
from shelfaudit.scoring.outcome import NO_DETECTIONS, outcome
from shelfaudit.scoring.result import CriterionResult, Unit
from shelfaudit.scoring.standard import MinFacings, Position, RequiredElement
from shelfaudit.scoring.wording import humanise, plural, target_label


def min_facings(c: MinFacings, data: ScoringInput) -> CriterionResult:
    label = target_label(c, c.skus)
    expected = float(c.min)

    def failed(sentence: str) -> CriterionResult:
        return outcome(
            c, kind=c.kind, expected=expected, observed=None, unit=Unit.facings,
            passed=False, sentence=sentence,
        )  # fmt: skip

    extra = ""
    if c.skus:
        if data.skus is None:
            return failed(
                f"SKU recognition has not run on this photo, so the {c.min} required "
                f"{label} cannot be checked"
            )
        seen = sum(data.skus.counts.get(s, 0) for s in c.skus)
        if data.skus.unknown:
            extra = f" ({data.skus.unknown} more could not be identified)"
    else:
        if data.detections is None:
            return failed(f"{NO_DETECTIONS}; {c.min} {label} are required")
        try:
            seen = len(target_boxes(c, data.detections))
        except UnknownGroup:
            return failed(f"The detector has no group '{c.group}'; the standard needs fixing")
    passed = seen >= c.min
    sentence = (
        f"{seen} {label} seen; {c.min} required"
        if passed
        else f"{seen} of the required {c.min} {label} seen"
    )
    return outcome(
        c, kind=c.kind, expected=expected, observed=float(seen), unit=Unit.facings,
        passed=passed, sentence=sentence + extra,
        fraction=seen / c.min if c.partial else None,
    )  # fmt: skip


def required_element(c: RequiredElement, data: ScoringInput) -> CriterionResult:
    name = c.label or humanise(c.element)
    seen = None if data.detections is None else data.detections.counts.get(c.element, 0)
    passed = seen is not None and seen >= c.min_count
    if seen is None:
        sentence = f"{NO_DETECTIONS}; a {name} is required"
    elif seen == 0:
        need = "one is" if c.min_count == 1 else f"{c.min_count} are"
        sentence = f"No {name} seen; {need} required"
    elif not passed:
        sentence = f"{seen} of the required {c.min_count} {plural(name)} seen"
    elif c.min_count == 1 and seen == 1:
        sentence = f"{name[0].upper()}{name[1:]} seen"
    else:
        sentence = f"{seen} {plural(name, seen)} seen; {c.min_count} required"
    return outcome(
        c, kind=c.kind, expected=float(c.min_count),
        observed=None if seen is None else float(seen), unit=Unit.elements,
        passed=passed, sentence=sentence,
    )  # fmt: skip


def position(c: Position, data: ScoringInput) -> CriterionResult:
    label = target_label(c)
    where = humanise(c.band) if c.band else "on the required rows"
    if c.band:
        where = f"at {where}" if c.band == "eye_level" else f"on the {where} rows"
    expected = float(c.min_facings) if c.min_facings else float(c.min_fraction or 0)
    unit = Unit.facings if c.min_facings else Unit.share

    def failed(sentence: str) -> CriterionResult:
        return outcome(
            c, kind=c.kind, expected=expected, observed=None, unit=unit,
            passed=False, sentence=sentence,
        )  # fmt: skip

    d = data.detections
    if d is None:
        return failed(f"{NO_DETECTIONS}, so the position of {label} cannot be checked")
    if not d.rows:
        return failed(f"No shelf rows detected, so the position of {label} cannot be checked")
    try:
        boxes = target_boxes(c, d)
    except UnknownGroup:
        return failed(f"The detector has no group '{c.group}'; the standard needs fixing")
    rows = band_rows(c.band, d.levels) if c.band else c.rows
    inside = sum(1 for b in boxes if b.row is not None and b.row in rows)
    place = f"{where} ({describe_rows(rows, d.levels)})"
    if not boxes:
        return failed(f"No {label} seen, so none are {place}")
    if c.min_facings is not None:
        passed, observed = inside >= c.min_facings, float(inside)
        need = f"{c.min_facings} required"
    else:
        observed = inside / len(boxes)
        passed = observed >= expected - 1e-9
        need = f"at least {expected * 100:.0f}% required"
    head = f"{inside} of {len(boxes)} {label} are" if passed else f"Only {inside} of {len(boxes)}"
    if not passed:
        head += f" {label} {'is' if inside == 1 else 'are'}"
    return outcome(
        c, kind=c.kind, expected=expected, observed=round(observed, 4), unit=unit,
        passed=passed, sentence=f"{head} {place}; {need}",
    )  # fmt: skip
