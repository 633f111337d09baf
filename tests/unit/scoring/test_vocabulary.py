"""A standard's classes and groups against the detector that counts them."""

from __future__ import annotations

import pytest

from shelfaudit.scoring import load_standard
from shelfaudit.scoring.vocabulary import DetectorVocabulary, unknown_names

VOCABULARY = DetectorVocabulary.of(["beer_carton", "beer_can", "fridge"], ["packaging", "display"])
WITH_BRANDS = DetectorVocabulary.of(
    ["beer_carton", "heineken", "tiger"],
    {"brand": ["heineken", "tiger"], "packaging": ["beer_carton"]},
)
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


@pytest.mark.parametrize(
    ("head", "criterion", "problems"),
    [
        ("", "  - {id: a, kind: min_facings, brand: heineken, min: 2}", []),
        ("", "  - {id: a, kind: min_facings, classes: [beer_carton], brand: tiger, min: 2}", []),
        (
            "",
            "  - {id: a, kind: min_facings, classes: [beer_carton], brand: heinekin, min: 2}",
            ["criterion a: the detector has no brand heinekin"],
        ),
        (
            "",
            "  - {id: a, kind: position, brand: heinekin, band: eye_level, min_facings: 1}",
            ["criterion a: the detector has no brand heinekin"],
        ),
        ("", "  - {id: a, kind: min_share, brands: [heineken], min: 0.3}", []),
        (
            "",
            "  - {id: a, kind: min_share, brands: [heineken, larue], min: 0.3}",
            ["criterion a: the detector has no brand larue"],
        ),
        ("competitor_brands: [tiger]\n", "  - {id: a, kind: max_competitor_share, max: 0.3}", []),
        (
            "competitor_brands: [tigre]\n",
            "  - {id: a, kind: max_competitor_share, max: 0.3}",
            ["criterion a: the detector has no brand tigre"],
        ),
        (
            "competitor_brands: [tigre]\n",  # the criterion's own list wins
            "  - {id: a, kind: max_competitor_share, brands: [tiger], max: 0.3}",
            [],
        ),
        # A brand the detector cannot see is fine where no criterion reads its logos.
        ("own_brands: [arla]\n", "  - {id: a, kind: min_facings, skus: [Arla-Milk], min: 1}", []),
    ],
)
def test_unknown_brands_are_named_when_the_detector_has_a_brand_group(
    head: str, criterion: str, problems: list[str]
) -> None:
    source = HEAD.replace("criteria:\n", head + "criteria:\n") + criterion
    found = unknown_names(load_standard(source), WITH_BRANDS)
    assert [p.split(" (it has")[0] for p in found] == problems


def test_the_served_detector_names_the_brands_of_its_brand_group() -> None:
    vocabulary = DetectorVocabulary.of(["heineken", "beer_can"], {"brand": ["heineken"]})
    assert vocabulary.brands == {"heineken"}
    assert vocabulary.groups == {"brand"}
