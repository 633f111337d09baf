"""Rule sets load from YAML and JSON, round-trip, and fail with errors that say where."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from shelfaudit.commission import dump_rule_set, load_rule_set, read_rule_set
from shelfaudit.commission.loader import Syntax
from shelfaudit.commission.rules import ScoreBandRule
from shelfaudit.errors import InvalidRuleSet
from tests.unit.commission.factories import EXAMPLES

HEAD = """
id: hnk
version: 1
currency: {currency}
effective_from: 2026-01-01
rules:
"""

BAND_RULE = """
  - id: bands
    kind: score_band
    bands:
      - {{min: 60, max: 79, amount: 10}}
      - {{min: 80, max: 100, amount: {amount}}}
"""


def yaml_text(rules: str = BAND_RULE, currency: str = "CNY", amount: str = "40") -> str:
    return HEAD.format(currency=currency) + rules.format(amount=amount)


def test_yaml_numbers_are_exact_decimals() -> None:
    rule_set = load_rule_set(yaml_text(amount="40.10"))
    (rule,) = rule_set.rules_of(ScoreBandRule)
    assert rule.bands[1].amount == Decimal("40.10")


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
@pytest.mark.parametrize("syntax", ["yaml", "json"])
def test_examples_round_trip(path: Path, syntax: Syntax) -> None:
    rule_set = read_rule_set(path)
    text = dump_rule_set(rule_set, syntax=syntax)
    assert load_rule_set(text, syntax=syntax) == rule_set


def test_json_writes_amounts_as_strings_and_kind_after_id() -> None:
    data = json.loads(dump_rule_set(load_rule_set(yaml_text()), syntax="json"))
    assert list(data["rules"][0])[:2] == ["id", "kind"]
    assert data["rules"][0]["bands"][1]["amount"] == "40"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (yaml_text(currency="XYZ"), "unknown currency 'XYZ'"),
        (yaml_text(currency="VND", amount="0.5"), "finer than VND allows"),
        (yaml_text(amount="-40"), "amount -40 is negative"),
        (
            yaml_text(BAND_RULE.replace("max: 79", "max: 85")),
            "rules[0] (id bands): bands 60–85 and 80–100 overlap",
        ),
        (yaml_text(BAND_RULE.replace("max: 79", "max: 50")), "band 60–50: min is above max"),
        (yaml_text(BAND_RULE.replace("min: 80", "min: 79.5")), "at most 0 decimals"),
        (yaml_text(BAND_RULE + "    colour: red\n"), "rules[0] (id bands).colour: unknown field"),
        (yaml_text(BAND_RULE + "    field: scroe\n"), "unknown field 'scroe'"),
        (yaml_text(BAND_RULE + "    missing: ignore\n"), "rules[0] (id bands).missing"),
        (yaml_text("  - {{id: x, kind: bonus_points}}\n"), "does not match any of the expected"),
        (yaml_text(BAND_RULE + BAND_RULE), "rule ids must be unique; repeated: bands"),
        (
            yaml_text("  - {{id: a, kind: review_hold}}\n  - {{id: b, kind: review_hold}}\n"),
            "at most one review_hold rule",
        ),
        (
            yaml_text("  - {{id: a, kind: review_hold, verdicts: [clean]}}\n"),
            "cannot hold clean photos",
        ),
        (
            yaml_text("  - {{id: a, kind: cap, amount: 10, period: year}}\n"),
            "rules[0] (id a).period",
        ),
        (
            yaml_text().replace(
                "effective_from: 2026-01-01", "effective_from: 2026-01-01\neffective_to: 2025-12-31"
            ),
            "effective_to 2025-12-31 is before effective_from 2026-01-01",
        ),
        (
            yaml_text(BAND_RULE + "    activities: [cooler]\n").replace(
                "rules:", "activities: [stack]\nrules:"
            ),
            "rule bands names activities the rule set does not cover: ['cooler']",
        ),
        (
            yaml_text("  - {{id: a, kind: review_hold, verdicts: []}}\n"),
            "rules[0] (id a).verdicts: Tuple should have at least 1 item",
        ),
        (
            yaml_text("  - {{id: a, kind: cap, amount: 10, period: month, activities: []}}\n"),
            "rules[0] (id a).activities: Tuple should have at least 1 item",
        ),
        (
            yaml_text().replace("rules:", "activities: []\nrules:"),
            "activities: Tuple should have at least 1 item",
        ),
        (
            yaml_text().replace("version: 1", "version: 1\nversion: 2"),
            "key 'version' is written twice",
        ),
        (yaml_text() + "  - [unclosed\n", "not valid YAML"),
        ("- just a list\n", "a rule set is a mapping"),
        ("{}", "rule set ?: id: Field required"),
    ],
)
def test_invalid_rule_sets_say_what_and_where(text: str, message: str) -> None:
    with pytest.raises(InvalidRuleSet) as caught:
        load_rule_set(text)
    assert message in caught.value.message


def test_json_errors_too() -> None:
    with pytest.raises(InvalidRuleSet, match="not valid JSON"):
        load_rule_set("{", syntax="json")


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
CLAWBACK = "\n  - {{id: cb, kind: clawback, within_days: 10000000000}}\n"


@pytest.mark.parametrize(
    ("text", "syntax", "message"),
    [
        (LAUGHS + yaml_text().replace("id: hnk", "id: *i"), "yaml", "aliases"),
        (yaml_text(amount=".inf"), "yaml", "'.inf' is not a finite number"),
        (yaml_text(amount=".nan"), "yaml", "'.nan' is not a finite number"),
        (yaml_text(amount="190:20:30.15"), "yaml", "is not a finite number"),
        (yaml_text(amount="017"), "yaml", "'017' as a plain decimal number"),
        (yaml_text(amount="0x1F"), "yaml", "'0x1F' as a plain decimal number"),
        (yaml_text(amount="190:20:30"), "yaml", "'190:20:30' as a plain decimal number"),
        (yaml_text(amount="1" + "0" * 28), "yaml", "finite number below"),
        (yaml_text(amount="1.0e+400"), "yaml", "finite number below"),
        (yaml_text().replace("max: 100", "max: 1.0e+400"), "yaml", "finite number below"),
        (yaml_text().replace("2026-01-01", "2026-02-30"), "yaml", "not valid YAML"),
        (yaml_text().replace("2026-01-01", "0001-01-01"), "yaml", "outside 1970-01-01"),
        (yaml_text().replace("version: 1", "version: 2147483648"), "yaml", "version"),
        ("? [a, b]\n: 1\n" + yaml_text(), "yaml", "not valid YAML"),
        ("a: " + "[" * 1500 + "]" * 1500 + "\n" + yaml_text(), "yaml", "not valid YAML"),
        (yaml_text(BAND_RULE + CLAWBACK), "yaml", "within_days"),
        ('{"id": "a", "id": "b"}', "json", "written twice"),
        (yaml_text().replace("id: hnk", "id: hnk\nname: " + "n" * 201), "yaml", "at most 200"),
        (yaml_text().replace("min: 80", "min: 81"), "yaml", "leave 80–80 unpaid"),
        (
            yaml_text(
                BAND_RULE + "\n  - {{id: f, kind: fraud_penalty, amount: 5, "
                "rejected_reasons: [dupllicate]}}\n"
            ),
            "yaml",
            "'dupllicate' is not a rejection reason",
        ),
        (
            yaml_text(BAND_RULE + "\n  - {{id: c, kind: clawback, reason_codes: [genuine]}}\n"),
            "yaml",
            "'genuine' is not a rejection reason",
        ),
        ('{"id": "a", "version": ' + "9" * 5000 + "}", "json", "not valid JSON"),
        ("[" * 5000 + "]" * 5000, "json", "not valid JSON"),
        ('{"id": "a", "version": 1, "x": Infinity}', "json", "Infinity"),
    ],
    ids=[
        "billion_laughs",
        "infinite_amount",
        "nan_amount",
        "sexagesimal_amount",
        "octal_amount",
        "hex_amount",
        "sexagesimal_int_amount",
        "amount_1e28",
        "amount_1e400",
        "band_bound_1e400",
        "february_30",
        "year_one",
        "version_past_int32",
        "list_as_key",
        "deep_yaml",
        "clawback_over_ten_years",
        "json_key_twice",
        "long_name",
        "hole_between_bands",
        "misspelt_rejection_reason",
        "approval_reason_in_a_clawback",
        "json_5000_digits",
        "deep_json",
        "json_infinity",
    ],
)
def test_hostile_rule_sets_are_refused_with_a_short_message(
    text: str, syntax: Syntax, message: str
) -> None:
    with pytest.raises(InvalidRuleSet) as refused:
        load_rule_set(text, syntax=syntax)
    assert message in refused.value.message
    assert len(refused.value.message) < 2000
