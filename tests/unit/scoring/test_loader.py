"""Standards load from YAML, round-trip, and fail with errors that say where."""

from __future__ import annotations

import pytest

from shelfaudit.errors import InvalidInput, InvalidStandard
from shelfaudit.scoring import dump_standard, load_standard, load_stored_standard
from shelfaudit.scoring.standard import MinShare, Position

HEAD = """
id: hnk-stack
version: 2
name: Heineken stack
activity_brand: heineken
competitor_brands: [tiger]
criteria:
"""

GOOD = """
  - id: share
    kind: min_share
    brands: [heineken]
    min: 0.5
  - id: eye
    kind: position
    brand: heineken
    band: eye_level
    min_fraction: 0.5
    weight: 2.5
    mandatory: true
"""


def test_a_standard_loads_and_round_trips() -> None:
    std = load_standard(HEAD + GOOD)
    assert (std.id, std.version, std.owned) == ("hnk-stack", 2, ("heineken",))
    share, eye = std.criteria
    assert isinstance(share, MinShare)
    assert share.basis == "width"
    assert share.weight == 1.0
    assert isinstance(eye, Position)
    assert eye.mandatory
    assert eye.weight == 2.5
    assert load_standard(dump_standard(std)) == std


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        (
            "  - {id: a, kind: min_share, brands: [heineken], min: 0.5, colour: red}",
            "criteria[0] (id a).colour: unknown field",
        ),
        (
            "  - {id: a, kind: min_share, brands: [heineken], min: 0.5, weight: 0}",
            "criteria[0] (id a).weight: Input should be greater than or equal to 0.01",
        ),
        (
            "  - {id: a, kind: min_share, brands: [heineken], min: 0.5, weight: -2}",
            "criteria[0] (id a).weight: Input should be greater than or equal to 0.01",
        ),
        (
            "  - {id: a, kind: min_share, brands: [heineken], min: 1.5}",
            "criteria[0] (id a).min: Input should be less than or equal to 1",
        ),
        (
            "  - {id: a, kind: max_competitor_share, max: -0.1}",
            "criteria[0] (id a).max: Input should be greater than or equal to 0",
        ),
        (
            "  - {id: a, kind: required_element, element: display_stand}\n"
            "  - {id: a, kind: required_element, element: fridge}",
            "standard: criterion id a is used twice",
        ),
        (
            "  - {id: a, kind: shelf_magic}",
            "criteria[0] (id a): Input tag 'shelf_magic' found using 'kind' does not match",
        ),
        (
            "  - {id: a, kind: required_element, element: wobbler}",
            "criteria[0] (id a).element: Input should be 'billboard'",
        ),
        (
            "  - {id: a, kind: min_facings, min: 3}",
            "criteria[0] (id a): say what to count: classes, group, brand or skus",
        ),
        (
            "  - {id: a, kind: min_facings, skus: [x], brand: heineken, min: 3}",
            "criteria[0] (id a): skus count recognised SKUs",
        ),
        (
            "  - {id: a, kind: min_facings, classes: [beer_can], min: 0}",
            "criteria[0] (id a).min: Input should be greater than or equal to 1",
        ),
        (
            "  - {id: a, kind: position, brand: heineken, band: eye_level, rows: [1], "
            "min_facings: 2}",
            "criteria[0] (id a): give either a band or explicit rows",
        ),
        (
            "  - {id: a, kind: position, brand: heineken, band: eye_level}",
            "criteria[0] (id a): give either min_facings or min_fraction",
        ),
        (
            "  - {id: a, kind: position, brand: heineken, band: knee, min_facings: 1}",
            "criteria[0] (id a).band: Input should be 'top', 'eye_level', 'middle' or 'bottom'",
        ),
        (
            "  - {id: a, kind: min_quality, require_passed: false}",
            "criteria[0] (id a): set require_passed or min_sharpness",
        ),
        ("  []", "criteria: Tuple should have at least 1 item"),
        (
            "  - {id: a, kind: min_share, brands: [heineken, heineken], min: 0.8}",
            "criteria[0] (id a).brands: lists heineken twice",
        ),
        (
            "  - {id: a, kind: max_competitor_share, brands: [tiger, tiger, larue], max: 0.5}",
            "criteria[0] (id a).brands: lists tiger twice",
        ),
        (
            "  - {id: a, kind: min_facings, skus: [Arla-Milk, Arla-Milk], min: 2}",
            "lists Arla-Milk twice",
        ),
        (
            "  - {id: a, kind: position, brand: heineken, rows: [0, 0], min_facings: 1}",
            "lists 0 twice",
        ),
        (
            "  - {id: a, kind: min_facings, classes: [beer_can, beer_can], min: 2}",
            "lists beer_can twice",
        ),
        (
            '  - {id: a, kind: min_share, brands: [heineken], min: 0.5, label: "x\u202ey"}',
            "text-direction control",
        ),
        (
            '  - {id: a, kind: min_share, brands: [heineken], min: 0.5, label: "red\\e[31m"}',
            "one line",
        ),
        (
            '  - {id: a, kind: min_share, brands: [heineken], min: 0.5, description: "a\\0"}',
            "one line",
        ),
    ],
)
def test_invalid_criteria_are_reported_where_they_are(criteria: str, message: str) -> None:
    with pytest.raises(InvalidStandard) as caught:
        load_standard(HEAD + criteria)
    assert message in caught.value.message
    assert caught.value.message.startswith("standard hnk-stack: ")
    assert isinstance(caught.value, InvalidInput)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: a\nid: b\n", "line 2: key 'id' is written twice"),
        ("- just a list", "a standard is a mapping"),
        ("id: [unclosed", "not valid YAML"),
        (
            HEAD.replace(
                "competitor_brands: [tiger]",
                "own_brands: [heineken, tiger]\ncompetitor_brands: [tiger]",
            )
            + GOOD,
            "tiger is both own and competitor brand",
        ),
        (
            HEAD.replace("competitor_brands: [tiger]", "") + "  - {id: c, kind: "
            "max_competitor_share, max: 0.3}",
            "criterion c: name brands or the competitor_brands",
        ),
        (HEAD.replace("version: 2", "version: 0") + GOOD, "version: Input should be greater"),
        (
            HEAD + "  - {id: c, kind: max_competitor_share, brands: [heineken], max: 0.3}",
            "criterion c counts own brand heineken as a competitor",
        ),
    ],
)
def test_invalid_standards_are_refused(text: str, message: str) -> None:
    with pytest.raises(InvalidStandard) as caught:
        load_standard(text)
    assert message in caught.value.message


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (LAUGHS + HEAD.replace("id: hnk-stack", "id: *i") + GOOD, "aliases"),
        (HEAD + "  - {id: a, kind: min_share, brands: [heineken], min: .inf}", "finite"),
        (
            HEAD + "  - {id: a, kind: min_share, brands: [heineken], min: 0.5, weight: .inf}",
            "finite",
        ),
        (
            HEAD + "  - {id: a, kind: min_share, brands: [heineken], min: 0.5, weight: 1.0e+308}",
            "less than or equal to 1000",
        ),
        (HEAD + "  - {id: a, kind: min_quality, min_sharpness: .inf}", "finite"),
        (
            HEAD + "  - {id: a, kind: min_share, brands: [heineken], min: 0.5, weight: 5.0e-324}",
            "greater than or equal to 0.01",
        ),
        (HEAD.replace("name: Heineken stack", 'name: "a\\0b"') + GOOD, "one line"),
        (HEAD.replace("version: 2", "version: 99999999999999999999") + GOOD, "version"),
        ("? [a, b]\n: 1\n" + HEAD + GOOD, "not valid YAML"),
        (HEAD + "  - {id: a, kind: min_facings, classes: [beer_can], min: true}", "integer"),
        (HEAD + "  - {id: a, kind: min_facings, classes: [beer_can], min: '12'}", "integer"),
        (HEAD + "  - {id: a, kind: min_facings, classes: [beer_can], min: 1.0}", "integer"),
        (HEAD + "  - {id: a, kind: min_facings, classes: [beer_can], min: 100000}", "10000"),
        (HEAD + "  - {id: a, kind: min_facings, skus: ['  '], min: 1}", "at least 1 character"),
        (
            HEAD + "  - {id: a, kind: position, brand: heineken, rows: [1000], min_facings: 1}",
            "less than or equal to 49",
        ),
        ("a: " + "[" * 1500 + "]" * 1500 + "\n" + HEAD + GOOD, "not valid YAML"),
    ],
    ids=[
        "billion_laughs",
        "infinite_share",
        "infinite_weight",
        "huge_weight",
        "infinite_sharpness",
        "tiny_weight",
        "nul_in_name",
        "huge_version",
        "list_as_key",
        "min_true",
        "min_text",
        "min_float",
        "min_huge",
        "blank_sku",
        "row_1000",
        "deep_nesting",
    ],
)
def test_hostile_standards_are_refused_with_a_short_message(text: str, message: str) -> None:
    with pytest.raises(InvalidStandard) as refused:
        load_standard(text)
    assert message in refused.value.message
    assert len(refused.value.message) < 2000


def test_a_json_standard_indented_with_tabs_loads() -> None:
    # PyYAML refuses tabs in indentation; JSON allows them, so JSON is read as JSON.
    text = '{\n\t"id": "s",\n\t"version": 1,\n\t"name": "S",\n\t"activity_brand": "heineken",\n'
    text += (
        '\t"criteria": [{"id": "a", "kind": "min_share", "brands": ["heineken"], "min": 0.5}]\n}'
    )
    assert load_standard(text).id == "s"


def test_more_criteria_than_a_rep_can_read_are_refused() -> None:
    many = "".join(
        f"  - {{id: c{i}, kind: min_share, brands: [heineken], min: 0.1}}\n" for i in range(501)
    )
    with pytest.raises(InvalidStandard, match="at most 500"):
        load_standard(HEAD + many)


def test_a_json_standard_with_a_byte_order_mark_and_tabs_loads() -> None:
    text = (
        '\ufeff{\n\t"id": "s",\n\t"version": 1,\n\t"name": "S",\n\t"activity_brand": "heineken",\n'
    )
    text += (
        '\t"criteria": [{"id": "a", "kind": "min_share", "brands": ["heineken"], "min": 0.5}]\n}'
    )
    assert load_standard(text).id == "s"


STORED_BEFORE_TEXT_CHECKS = """
id: cartons
version: 1
name: "Cartons\\u202e stack"
activity_brand: heineken
criteria:
  - id: a
    kind: min_facings
    classes: [beer_carton]
    min: 2
    label: "Heineken\\tcartons\\n"
    description: "Line one\\nline\\x1b two\\u2028"
"""


def test_a_stored_standard_with_text_today_s_checks_refuse_is_read_cleaned() -> None:
    with pytest.raises(InvalidStandard):
        load_standard(STORED_BEFORE_TEXT_CHECKS)
    standard = load_stored_standard(STORED_BEFORE_TEXT_CHECKS)
    assert standard.name == "Cartons stack"
    (criterion,) = standard.criteria
    assert criterion.label == "Heineken cartons"
    assert criterion.description == "Line one\nline two"


def test_a_stored_standard_is_still_refused_for_anything_but_its_text() -> None:
    broken = STORED_BEFORE_TEXT_CHECKS.replace("min: 2", "min: 99999")
    with pytest.raises(InvalidStandard, match="min"):
        load_stored_standard(broken)
