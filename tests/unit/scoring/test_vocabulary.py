"""A standard's classes and groups against the detector that counts them."""

from __future__ import annotations

import pytest

from shelfaudit.scoring import load_standard
from shelfaudit.scoring.vocabulary import DetectorVocabulary, unknown_names

VOCABULARY = DetectorVocabulary.of(["beer_carton", "beer_can", "fridge"], ["packaging", "display"])
HEAD = """
id: s
version: 1
name: S
activity_brand: heineken
criteria:
"""


@pytest.mark.parametrize(
    ("criterion", "problems"),
    [
        ("  - {id: a, kind: min_facings, classes: [beer_carton], min: 2}", []),
        ("  - {id: a, kind: min_facings, group: packaging, min: 2}", []),
        ("  - {id: a, kind: min_facings, brand: heineken, min: 2}", []),  # brands: logo classes
        ("  - {id: a, kind: min_facings, skus: [Arla-Milk], min: 1}", []),
        (
            "  - {id: a, kind: min_facings, classes: [beer_cartons, beer_can], min: 2}",
            ["criterion a: the detector has no class beer_cartons"],
        ),
        (
            "  - {id: a, kind: position, group: drinks, band: eye_level, min_facings: 1}",
            ["criterion a: the detector has no group drinks"],
        ),
    ],
)
def test_unknown_classes_and_groups_are_named(criterion: str, problems: list[str]) -> None:
    found = unknown_names(load_standard(HEAD + criterion), VOCABULARY)
    assert [p.split(" (it has")[0] for p in found] == problems
