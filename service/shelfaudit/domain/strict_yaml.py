"""Strict YAML for documents people write by hand (rule sets, display standards).

- ``no_repeated_keys``: a key written twice in one mapping is an error naming the line
  (plain YAML silently keeps the last one).
- ``locate``: a pydantic error as ``rules[2] (id bands).min: ...``, naming the list item by
  its ``id`` instead of the tagged union's member pydantic would show.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Any

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
                    where.append(f" (id {item['id']})")
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
