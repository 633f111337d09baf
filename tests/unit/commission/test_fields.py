from __future__ import annotations

from decimal import Decimal

import pytest

from shelfaudit.commission import AuditedPhoto
from shelfaudit.commission.fields import read_criteria, read_number
from shelfaudit.errors import MissingField
from tests.unit.commission.factories import photo

SCORED = photo(
    1,
    score=82,
    measures={"share_of_shelf": "0.42"},
    criteria=(("hero_sku", True, True), ("price_tag", True, False), ("wobbler", False, True)),
)


@pytest.mark.parametrize(
    ("path", "value"), [("score", Decimal(82)), ("measures.share_of_shelf", Decimal("0.42"))]
)
def test_numbers_are_read_by_name(path: str, value: Decimal) -> None:
    assert read_number(SCORED, path, rule="hnk@1/bands") == value


@pytest.mark.parametrize(
    ("record", "path"),
    [(photo(7, score=None), "score"), (SCORED, "measures.facings")],
)
def test_a_missing_number_names_the_rule_the_field_and_the_photo(
    record: AuditedPhoto, path: str
) -> None:
    with pytest.raises(MissingField) as caught:
        read_number(record, path, rule="hnk@1/bands")
    error = caught.value
    assert (error.rule, error.field) == ("hnk@1/bands", path)
    assert error.photo_id == record.photo_id
    assert "missing: skip" in error.message


@pytest.mark.parametrize(
    ("names", "expected"),
    [(None, ["hero_sku", "price_tag"]), (("wobbler", "hero_sku"), ["wobbler", "hero_sku"])],
)
def test_criteria_default_to_the_mandatory_ones(
    names: tuple[str, ...] | None, expected: list[str]
) -> None:
    assert [c.name for c in read_criteria(SCORED, names, rule="r")] == expected


@pytest.mark.parametrize(
    ("record", "names", "field"),
    [
        (photo(2), None, "criteria.mandatory"),  # never scored against a scorecard
        (photo(2, criteria=(("wobbler", False, True),)), None, "criteria.mandatory"),
        (SCORED, ("hero_sku", "fridge"), "criteria.fridge"),
    ],
)
def test_missing_criteria_are_errors(
    record: AuditedPhoto, names: tuple[str, ...] | None, field: str
) -> None:
    with pytest.raises(MissingField) as caught:
        read_criteria(record, names, rule="r")
    assert caught.value.field == field
