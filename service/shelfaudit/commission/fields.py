"""The one way a rule reads a photo: named fields, and a typed error when one is missing.

Fields a rule may name:

- ``score``: the display score 0-100;
- ``measures.<name>``: any other number the caller put in ``AuditedPhoto.measures``;
- ``criteria.<name>``: a scorecard criterion (``passed`` is what rules read).

A name outside these is refused when the rule set loads. A name that is valid but absent on
a photo (``score`` is ``None``, the measure or criterion was not computed) raises
``MissingField`` naming the rule, the field and the photo, unless the rule says
``missing: skip``; then the rule pays nothing for that photo and its line says why.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum

from shelfaudit.commission.records import AuditedPhoto, CriterionResult
from shelfaudit.errors import MissingField

_NUMBER = re.compile(r"^(score|measures\.[a-z][a-z0-9_]*)$")
_CRITERION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]*$")


class Missing(StrEnum):
    """What a rule does when the field it reads is missing on a photo."""

    error = "error"  # the default: a silent zero would underpay a rep without anyone noticing
    skip = "skip"  # pay nothing for this photo under this rule, and say so on the statement


def check_number_field(path: str) -> str:
    """Validate a numeric field name at load time (``score``, ``measures.share_of_shelf``)."""
    if not _NUMBER.match(path):
        raise ValueError(
            f"unknown field {path!r}: a number field is 'score' or 'measures.<name>' "
            "(lower case, digits, underscores)"
        )
    return path


def check_criterion_name(name: str) -> str:
    if not _CRITERION.match(name):
        raise ValueError(f"invalid criterion name {name!r}")
    return name


def field_label(path: str) -> str:
    """``score`` → ``score``; ``measures.share_of_shelf`` → ``share of shelf``."""
    return path.removeprefix("measures.").replace("_", " ")


def missing_field(photo: AuditedPhoto, path: str, rule: str) -> MissingField:
    """The error for ``rule`` (``set@version/rule``) reading ``path`` that ``photo`` lacks."""
    return MissingField(
        f"rule {rule} reads {path!r}, which photo {photo.photo_id} does not have; "
        "fix the data or add 'missing: skip' to the rule",
        field=path,
        rule=rule,
        photo_id=photo.photo_id,
    )


def lookup_number(photo: AuditedPhoto, path: str) -> Decimal | None:
    """The value of a number field, ``None`` when the photo lacks it."""
    if path == "score":
        return photo.score
    return photo.measures.get(path.removeprefix("measures."))


def lookup_criteria(
    photo: AuditedPhoto, names: tuple[str, ...] | None
) -> tuple[CriterionResult, ...] | None:
    """The named criteria, or every mandatory one when ``names`` is ``None``; ``None`` when
    one is missing. A photo with no mandatory criteria at all lacks ``criteria.mandatory``:
    a bonus for meeting them must be neither paid nor silently refused on a photo never
    scored."""
    if names is None:
        return tuple(c for c in photo.criteria if c.mandatory) or None
    by_name = {c.name: c for c in photo.criteria}
    if any(name not in by_name for name in names):
        return None
    return tuple(by_name[name] for name in names)


def read_number(photo: AuditedPhoto, path: str, *, rule: str) -> Decimal:
    """The value of a number field, or ``MissingField``. ``rule`` is ``set@version/rule``."""
    value = lookup_number(photo, path)
    if value is None:
        raise missing_field(photo, path, rule)
    return value


def read_criteria(
    photo: AuditedPhoto, names: tuple[str, ...] | None, *, rule: str
) -> tuple[CriterionResult, ...]:
    """``lookup_criteria`` or ``MissingField`` naming the first criterion missing."""
    found = lookup_criteria(photo, names)
    if found is None:
        raise missing_field(photo, absent_criterion(photo, names), rule)
    return found


def absent_criterion(photo: AuditedPhoto, names: tuple[str, ...] | None) -> str:
    """``criteria.<first name missing>``, or ``criteria.mandatory`` when none is mandatory."""
    present = {c.name for c in photo.criteria}
    return "criteria." + next((n for n in names or () if n not in present), "mandatory")
