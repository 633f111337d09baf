"""A standard's detector classes, groups and brands checked against the detector that will
count them: a misspelt class (``beer_cartons``) or brand (``heinekin``) would make its
criterion fail, or its share read 0 %, on every photo."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from shelfaudit.scoring.standard import (
    DisplayStandard,
    MaxCompetitorShare,
    MinFacings,
    MinShare,
    Position,
)

BRAND_GROUP = "brand"


@dataclass(frozen=True)
class DetectorVocabulary:
    """What the served outlet detector names: its classes, the groups over them and the
    brands (the classes of its ``brand`` group, whose boxes are logos); ``brands`` empty
    when the detector has no brand group, and then brand names are not checked."""

    classes: frozenset[str]
    groups: frozenset[str]
    brands: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls, classes: Collection[str], groups: Mapping[str, Collection[str]] | Collection[str]
    ) -> DetectorVocabulary:
        brands = groups.get(BRAND_GROUP, ()) if isinstance(groups, Mapping) else ()
        return cls(frozenset(classes), frozenset(groups), frozenset(brands))


def _brands_used(criterion: object, standard: DisplayStandard) -> tuple[str, ...]:
    """The brand names a criterion reads from the detector's logo boxes."""
    if isinstance(criterion, MinFacings | Position):
        return (criterion.brand,) if criterion.brand is not None else ()
    if isinstance(criterion, MinShare):
        return criterion.brands
    if isinstance(criterion, MaxCompetitorShare):
        return standard.competitors_for(criterion)
    return ()


def unknown_names(standard: DisplayStandard, vocabulary: DetectorVocabulary) -> list[str]:
    """One message per criterion naming a class, group or brand the detector does not have."""
    problems = []
    for criterion in standard.criteria:
        if vocabulary.brands:
            stray = sorted(set(_brands_used(criterion, standard)) - vocabulary.brands)
            if stray:
                problems.append(
                    f"criterion {criterion.id}: the detector has no brand {', '.join(stray)} "
                    f"(it has {', '.join(sorted(vocabulary.brands))})"
                )
        if not isinstance(criterion, MinFacings | Position):
            continue
        stray = sorted(set(criterion.classes) - vocabulary.classes)
        if stray:
            problems.append(
                f"criterion {criterion.id}: the detector has no class {', '.join(stray)} "
                f"(it has {', '.join(sorted(vocabulary.classes))})"
            )
        if criterion.group is not None and criterion.group not in vocabulary.groups:
            problems.append(
                f"criterion {criterion.id}: the detector has no group {criterion.group} "
                f"(it has {', '.join(sorted(vocabulary.groups))})"
            )
    return problems
