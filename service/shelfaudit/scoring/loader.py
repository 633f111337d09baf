"""Display standards from and to YAML, with errors a standards admin can act on.

A key written twice in one mapping is an error (YAML would keep the last), and every
validation problem says where it is: ``criteria[2] (id share).min: Input should be less
than or equal to 1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from shelfaudit.domain.strict_yaml import brief, load_text, locate, strict_loader
from shelfaudit.domain.text import clean_note, clean_plain_text
from shelfaudit.errors import InvalidStandard
from shelfaudit.scoring.standard import DisplayStandard

# Safe YAML with no repeated keys, no aliases, integers in base 10.
_Loader = strict_loader(InvalidStandard)


def load_standard(text: str | bytes) -> DisplayStandard:
    """Parse and validate one standard; ``InvalidStandard`` says what is wrong and where."""
    # JSON is YAML, but not JSON with tabs in its indentation: read JSON as JSON.
    # A byte-order mark (Windows editors write one) is not the start of the document.
    if isinstance(text, bytes):
        text = text.removeprefix(b"\xef\xbb\xbf")
    else:
        text = text.removeprefix("\ufeff")
    head = text.lstrip()[:1]
    syntax: Literal["yaml", "json"] = "json" if head in ("{", b"{") else "yaml"
    data = load_text(text, syntax=syntax, loader=_Loader, error=InvalidStandard)
    if not isinstance(data, Mapping):
        raise InvalidStandard("a standard is a mapping with id, version, name, criteria, …")
    try:
        return DisplayStandard.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]["loc"] if errors else ()
        raise InvalidStandard(
            f"standard {brief(data.get('id', '?'))}: "
            + "; ".join(locate(e, data, items="criteria", document="standard") for e in errors),
            field=".".join(str(p) for p in first) or None,
        ) from exc


def load_stored_standard(text: str | bytes) -> DisplayStandard:
    """A version published earlier, read with today's checks, except that text today's
    checks refuse (a control or text-direction code in its name, a label or a description)
    is cleaned instead: it was taken when published, and refusing it now would leave every
    new photo of the activity unscored. ``InvalidStandard`` for anything else."""
    try:
        return load_standard(text)
    except InvalidStandard as refused:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        data = load_text(
            text.removeprefix("\ufeff"), syntax="yaml", loader=_Loader, error=InvalidStandard
        )
        if not isinstance(data, Mapping):
            raise
        try:
            return DisplayStandard.model_validate(_cleaned(data))
        except ValidationError:
            raise refused from None


def _cleaned(data: Mapping[str, Any]) -> dict[str, Any]:
    found = dict(data)
    if isinstance(found.get("name"), str):
        found["name"] = clean_plain_text(found["name"])
    criteria = found.get("criteria")
    if isinstance(criteria, list):
        found["criteria"] = [_cleaned_criterion(c) for c in criteria]
    return found


def _cleaned_criterion(criterion: Any) -> Any:
    if not isinstance(criterion, Mapping):
        return criterion
    found = dict(criterion)
    if isinstance(found.get("label"), str):
        found["label"] = clean_plain_text(found["label"])
    if isinstance(found.get("description"), str):
        found["description"] = clean_note(found["description"])
    return found


def read_standard(path: Path) -> DisplayStandard:
    return load_standard(path.read_text(encoding="utf-8"))


def dump_standard(standard: DisplayStandard) -> str:
    """YAML that ``load_standard`` reads back equal; defaults left out, id and kind first."""
    data = standard.model_dump(exclude_defaults=True)
    data["criteria"] = [
        {"id": c.id, "kind": c.kind, **_plain(c.model_dump(exclude_defaults=True))}
        for c in standard.criteria
    ]
    return yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True)


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    return value
