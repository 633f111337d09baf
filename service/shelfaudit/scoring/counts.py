"""Criteria that count things: facings, display elements, facings in a shelf band."""

from __future__ import annotations

from shelfaudit.scoring.bands import band_rows, describe_rows
from shelfaudit.scoring.facings import UnknownGroup, target_boxes
from shelfaudit.scoring.inputs import ScoringInput
from shelfaudit.scoring.outcome import NO_DETECTIONS, outcome
from shelfaudit.scoring.result import CriterionResult, Unit
from shelfaudit.scoring.standard import MinFacings, Position, RequiredElement
from shelfaudit.scoring.wording import counted, humanise, plural, target_label


def min_facings(c: MinFacings, data: ScoringInput) -> CriterionResult:
    required = target_label(c, c.skus, c.min)  # "1 Larue beer carton", "10 Heineken cartons"
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
                f"{required} cannot be checked"
            )
        seen = sum(data.skus.counts.get(s, 0) for s in c.skus)
        if data.skus.unknown:
            extra = f" ({data.skus.unknown} more could not be identified)"
    else:
        if data.detections is None:
            verb = "is" if c.min == 1 else "are"
            return failed(f"{NO_DETECTIONS}; {c.min} {required} {verb} required")
        try:
            seen = len(target_boxes(c, data.detections))
        except UnknownGroup:
            return failed(f"The detector has no group '{c.group}'; the standard needs fixing")
    passed = seen >= c.min
    sentence = (
        f"{seen} {target_label(c, c.skus, seen)} seen; {c.min} required"
        if passed
        else f"{seen} of the required {c.min} {required} seen"
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
    if not c.band and all(r >= d.levels for r in rows):
        return failed(
            f"The photo shows {counted(d.levels, 'shelf row')}; the standard asks about "
            f"{describe_rows(rows, None)}, so the position of {label} cannot be checked"
        )
    rows = tuple(r for r in rows if r < d.levels)
    inside = sum(1 for b in boxes if b.row is not None and b.row in rows)
    place = f"{_where(c, len(rows))} ({describe_rows(rows, d.levels)})"
    if not boxes:
        return failed(f"No {label} seen, so none are {place}")
    if c.min_facings is not None:
        passed, observed = inside >= c.min_facings, float(inside)
        need = f"{c.min_facings} required"
    else:
        observed = inside / len(boxes)
        passed = observed >= expected - 1e-9
        need = f"at least {expected * 100:.0f}% required"
    verb = "is" if inside == 1 else "are"
    label = target_label(c, count=len(boxes))
    head = f"{inside} of {len(boxes)} {label} {verb}"
    if not passed:
        head = f"Only {head}"
    return outcome(
        c, kind=c.kind, expected=expected, observed=round(observed, 4), unit=unit,
        passed=passed, sentence=f"{head} {place}; {need}",
    )  # fmt: skip


def _where(c: Position, n_rows: int) -> str:
    """'at eye level', 'on the top row', 'on the required rows'."""
    rows = "row" if n_rows == 1 else "rows"
    if c.band is None:
        return f"on the required {rows}"
    if c.band == "eye_level":
        return "at eye level"
    return f"on the {humanise(c.band)} {rows}"
