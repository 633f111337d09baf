"""Words for the sentences a rep reads: names, plurals, percentages."""

from __future__ import annotations

from collections.abc import Sequence

from shelfaudit.scoring.standard import Target

_PLURALS = {"people": "people", "drinker": "drinkers", "promoter": "promoters"}


def humanise(name: str) -> str:
    return name.replace("_", " ").replace("-", " ")


def brand_name(brand: str) -> str:
    return humanise(brand).title()


def brands_text(brands: Sequence[str]) -> str:
    names = [brand_name(b) for b in brands]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def plural(name: str, count: float = 2) -> str:
    if count == 1:
        return name
    if name in _PLURALS:
        return _PLURALS[name]
    return name + ("es" if name.endswith(("s", "x", "ch", "sh")) else "s")


def counted(count: int, name: str) -> str:
    """``1 box``, ``3 boxes``, ``0 photos``."""
    return f"{count} {plural(name, count)}"


def target_label(target: Target, skus: Sequence[str] = ()) -> str:
    """What the rep calls the counted things, plural: 'Heineken beer cartons'."""
    if target.label:
        return target.label
    if skus:
        return "SKU " + " or ".join(skus) + " facings"
    things = [plural(humanise(c)) for c in target.classes]
    if target.group:
        things = [f"{humanise(target.group)} items"]
    head = brand_name(target.brand) if target.brand else ""
    tail = " or ".join(things) if things else "facings"
    return f"{head} {tail}".strip()


def percents(observed: float, threshold: float) -> tuple[str, str]:
    """Both as whole percents, with one decimal where whole ones would look equal."""
    a, b = f"{observed * 100:.0f}%", f"{threshold * 100:.0f}%"
    if a == b and abs(observed - threshold) > 1e-9:
        a, b = f"{observed * 100:.1f}%", f"{threshold * 100:.1f}%"
    return a, b


def number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"
