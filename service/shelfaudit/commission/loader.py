"""Rule sets from and to YAML or JSON, with errors a commission admin can act on.

YAML numbers become ``Decimal`` straight from their text (``0.1`` stays exactly 0.1), a key
written twice in one mapping is an error (YAML would silently keep the last), and every
validation problem is reported with where it is: ``rules[2] (id bands).bands: bands 80–89
and 85–95 overlap``. JSON is written with amounts as strings, YAML with amounts as numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from shelfaudit.commission.rules import STORED, RuleSet
from shelfaudit.domain.strict_yaml import brief, load_text, locate, strict_loader
from shelfaudit.errors import InvalidRuleSet

Syntax = Literal["yaml", "json"]


# Safe YAML with exact decimals, no repeated keys, no aliases, integers in base 10.
_Loader = strict_loader(InvalidRuleSet)


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    try:
        value = Decimal(text)
    except InvalidOperation:  # YAML floats Decimal does not read: 190:20:30.15
        value = Decimal("NaN")
    if not value.is_finite():  # .inf, .nan
        line = node.start_mark.line + 1
        raise InvalidRuleSet(f"line {line}: {brief(text)!r} is not a finite number")
    return value


_Loader.add_constructor("tag:yaml.org,2002:float", _decimal)


class _Dumper(yaml.SafeDumper):
    pass


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    text = format(value, "f")
    tag = "int" if value == value.to_integral_value() and "." not in text else "float"
    return dumper.represent_scalar(f"tag:yaml.org,2002:{tag}", text)


_Dumper.add_representer(Decimal, _represent_decimal)


def load_rule_set(text: str | bytes, *, syntax: Syntax = "yaml", stored: bool = False) -> RuleSet:
    """Parse and validate one rule set; ``InvalidRuleSet`` says what is wrong and where.

    ``stored``: a version published before, read back. Checks added since to catch typos at
    publication (a hole between score bands) do not apply to it: it pays as it always did
    (nothing in the hole), where refusing it stopped every payout run after an upgrade."""
    data = load_text(text, syntax=syntax, loader=_Loader, error=InvalidRuleSet, parse_float=Decimal)
    if not isinstance(data, Mapping):
        raise InvalidRuleSet("a rule set is a mapping with id, version, currency, rules, …")
    try:
        return RuleSet.model_validate(data, context={STORED: True} if stored else None)
    except (ArithmeticError, RecursionError) as exc:  # raised past pydantic by Decimal maths
        raise InvalidRuleSet(f"a number in the rule set cannot be used: {brief(exc)}") from exc
    except ValidationError as exc:
        problems = [
            locate(error, data, items="rules", document="rule set") for error in exc.errors()
        ]
        first = exc.errors()[0]["loc"] if exc.errors() else ()
        raise InvalidRuleSet(
            f"rule set {brief(data.get('id', '?'))}: " + "; ".join(problems),
            field=".".join(str(p) for p in first) or None,
        ) from exc


def read_rule_set(path: Path) -> RuleSet:
    """Load a ``.yaml``, ``.yml`` or ``.json`` file."""
    syntax: Syntax = "json" if path.suffix.lower() == ".json" else "yaml"
    return load_rule_set(path.read_text(encoding="utf-8"), syntax=syntax)


def dump_rule_set(rule_set: RuleSet, *, syntax: Syntax = "yaml") -> str:
    """The rule set as text that ``load_rule_set`` reads back equal; defaults left out."""
    if syntax == "json":
        data = _kind_first(rule_set.model_dump(mode="json", exclude_defaults=True))
        return json.dumps(data, indent=2, ensure_ascii=False)
    plain = _plain(_kind_first(rule_set.model_dump(exclude_defaults=True)))
    return yaml.dump(plain, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def _kind_first(data: dict[str, Any]) -> dict[str, Any]:
    """Write each rule as ``id``, ``kind``, then the rest, as people read them."""
    rules = [{"id": r["id"], "kind": r["kind"], **r} for r in data["rules"]]
    return {**data, "rules": rules}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal | date | int | str | bool) or value is None:
        return value
    raise TypeError(f"cannot write {type(value).__name__} to YAML")
