"""Strict YAML for documents people write by hand (rule sets, display standards).

- ``no_repeated_keys``: a key written twice in one mapping is an error naming the line
  (plain YAML silently keeps the last one).
- ``decimal_ints``: integers in base 10 only (no octal, hex or sexagesimal surprises).
- ``refuse_aliases``: anchors and aliases (``&a``, ``*a``) are an error; nine nested aliases
  of nine items expand 314 bytes into 387 million strings ("billion laughs"), and nothing a
  person writes by hand needs them.
- ``strict_loader``: a SafeLoader class with the three rules above.
- ``load_text``: YAML or JSON to Python, every parser failure (a bad date, a key that is a
  list, nesting thousands deep, a 5,000-digit number) as the caller's error class; JSON keys
  written twice and JSON's NaN/Infinity are errors too.
- ``locate``: a pydantic error as ``rules[2] (id bands).min: ...``, naming the list item by
  its ``id`` instead of the tagged union's member pydantic would show.
- ``brief``: a value quoted in a message, cut short (user data never fills a message).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Literal

import yaml
from pydantic_core import ErrorDetails


def no_repeated_keys(loader_class: type[yaml.SafeLoader], error: Callable[..., Exception]) -> None:
    """Make ``loader_class`` raise ``error(message, field=key)`` on a repeated key."""

    def mapping(
        loader: yaml.SafeLoader, node: yaml.Node, deep: bool = False
    ) -> dict[Hashable, Any]:
        if not isinstance(node, yaml.MappingNode):
            raise error(f"line {node.start_mark.line + 1}: expected a mapping")
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise error(f"line {line}: key {key!r} is written twice", field=str(key))
            seen.add(key)
        return loader.construct_mapping(node, deep=deep)

    loader_class.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)


_DECIMAL_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


def decimal_ints(loader_class: type[yaml.SafeLoader], error: Callable[..., Exception]) -> None:
    """Read integers as written in base 10: YAML 1.1 reads ``017`` as 15, ``0x1F`` as 31 and
    ``190:20:30`` as 685230, none of which a person writing an amount means."""

    def integer(loader: yaml.SafeLoader, node: yaml.Node) -> int:
        text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
        if not _DECIMAL_INT.fullmatch(text):
            line = node.start_mark.line + 1
            raise error(f"line {line}: write {brief(text)!r} as a plain decimal number")
        return int(text.replace("_", ""))

    loader_class.add_constructor("tag:yaml.org,2002:int", integer)


def refuse_aliases(loader_class: type[yaml.SafeLoader], error: Callable[..., Exception]) -> None:
    """Make ``loader_class`` raise ``error(message)`` at the first alias."""
    compose = loader_class.compose_node

    def compose_node(loader: yaml.SafeLoader, parent: Any, index: Any) -> Any:
        if loader.check_event(yaml.AliasEvent):
            line = loader.peek_event().start_mark.line + 1  # type: ignore[no-untyped-call]
            raise error(f"line {line}: aliases (*name) are not allowed here; write the value out")
        return compose(loader, parent, index)

    loader_class.compose_node = compose_node  # type: ignore[method-assign,assignment]


def strict_loader(error: Callable[..., Exception]) -> type[yaml.SafeLoader]:
    """A new SafeLoader class with all three rules above, raising ``error``; a caller may add
    constructors of its own to it (rule sets read floats as Decimal)."""
    loader = type("StrictLoader", (yaml.SafeLoader,), {})
    no_repeated_keys(loader, error)
    refuse_aliases(loader, error)
    decimal_ints(loader, error)
    return loader


# What parsers raise on text they cannot take, besides their own error classes: a date
# such as 2026-02-30 (ValueError), a list used as a key (TypeError), deep nesting
# (RecursionError), a number too long or too large (ValueError, OverflowError, and
# decimal.InvalidOperation, an ArithmeticError).
_PARSE_ERRORS = (
    yaml.YAMLError,
    ValueError,
    TypeError,
    RecursionError,
    ArithmeticError,
)


def load_text(
    text: str | bytes,
    *,
    syntax: Literal["yaml", "json"],
    loader: type[yaml.SafeLoader],
    error: Callable[..., Exception],
    parse_float: Callable[[str], Any] = float,
) -> Any:
    """Parse ``text``; ``error(message)`` for anything that is not a document we can read."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise error(f"key {brief(key)!r} is written twice", field=key)
            out[key] = value
        return out

    def constant(name: str) -> Any:
        raise error(f"{name} is not a number this document may hold")

    try:
        if syntax == "yaml":
            return yaml.load(text, Loader=loader)  # noqa: S506 - callers pass SafeLoaders
        return json.loads(
            text, parse_float=parse_float, object_pairs_hook=pairs, parse_constant=constant
        )
    except _PARSE_ERRORS as exc:
        raise error(f"not valid {syntax.upper()}: {brief(exc, 300)}") from exc


def brief(value: object, limit: int = 60) -> str:
    """``value`` as text (``repr`` but for strings and exceptions), at most ``limit`` chars."""
    text = str(value) if isinstance(value, str | BaseException) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def locate(error: ErrorDetails, data: Mapping[str, Any], *, items: str, document: str) -> str:
    """Where and what: the path into ``data`` (list ``items`` named by id) and the message."""
    where: list[str] = []
    loc = list(error["loc"])
    listed = data.get(items)
    index = 0
    while index < len(loc):
        part = loc[index]
        if isinstance(part, int):
            where.append(f"[{part}]")
            if where[:-1] == [items] and isinstance(listed, list) and part < len(listed):
                item = listed[part]
                if isinstance(item, Mapping) and "id" in item:
                    where.append(f" (id {brief(item['id'])})")
                    # pydantic names the tagged union's member next; the id says more.
                    if index + 1 < len(loc) and loc[index + 1] == item.get("kind"):
                        index += 1
        else:
            where.append(("." if where else "") + str(part))
        index += 1
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown field"
    return f"{''.join(where) or document}: {message}"
