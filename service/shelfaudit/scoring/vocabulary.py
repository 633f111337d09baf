"""A standard's detector classes and groups checked against the detector that will count
them: a misspelt class (``beer_cartons``) would make its criterion fail on every photo."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from shelfaudit.scoring.standard import DisplayStandard, MinFacings, Position


@dataclass(frozen=True)
class DetectorVocabulary:
    """What the served outlet detector names: its classes and the groups over them."""

    classes: frozenset[str]
    groups: frozenset[str]

    @classmethod
    def of(cls, classes: Collection[str], groups: Collection[str]) -> DetectorVocabulary:
        return cls(frozenset(classes), frozenset(groups))


def unknown_names(standard: DisplayStandard, vocabulary: DetectorVocabulary) -> list[str]:
    """One message per criterion naming a class or group the detector does not have."""
    problems = []
    for criterion in standard.criteria:
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
