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


def target_label(target: Target, skus: Sequence[str] = (), count: float = 2) -> str:
    """What the rep calls ``count`` of the counted things: 'Heineken beer cartons', '1 Tiger
    facing'. A standard's own ``label`` is used as written."""
    if target.label:
        return target.label
    if skus:
        return "SKU " + " or ".join(skus) + " " + plural("facing", count)
    things = [plural(humanise(c), count) for c in target.classes]
    if target.group:
        things = [f"{humanise(target.group)} {plural('item', count)}"]
    head = brand_name(target.brand) if target.brand else ""
    tail = " or ".join(things) if things else plural("facing", count)
    return f"{head} {tail}".strip()


def percents(observed: float, threshold: float) -> tuple[str, str]:
    """Both as whole percents, with as many decimals (up to four) as it takes for two
    different values not to read the same: "33.3% against at most 33.3%" failing reads as
    a mistake."""
    for decimals in range(5):
        a, b = f"{observed * 100:.{decimals}f}%", f"{threshold * 100:.{decimals}f}%"
        if a != b or abs(observed - threshold) <= 1e-9:
            break
    return a, b


def number(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"
