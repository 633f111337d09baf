"""The versions of every rule set, checked as a whole, and the one in force on a day.

Versions of one id must follow each other without overlap and without gap: version 2
starts the day after version 1's ``effective_to``. A version that leaves ``effective_to``
open runs until the next one starts (stored versions never change, so an open-ended version 1
could otherwise never be followed). Version numbers rise with the dates. A day before the
first version or after a closed last one has no version in force: the scheme does not pay
then.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from itertools import groupby, pairwise

from shelfaudit.commission.records import AuditedPhoto
from shelfaudit.commission.rules import RuleSet
from shelfaudit.errors import CommissionError, InvalidRuleSet


def check_versions(rule_sets: Iterable[RuleSet]) -> None:
    """Raise ``InvalidRuleSet`` if two versions of one id overlap, leave a gap or repeat."""
    ordered = sorted(rule_sets, key=lambda r: (r.id, r.effective_from, r.version))
    for set_id, group in groupby(ordered, key=lambda r: r.id):
        versions = list(group)
        numbers = [v.version for v in versions]
        if len(set(numbers)) != len(numbers):
            raise InvalidRuleSet(f"rule set {set_id} has version {_repeated(numbers)} twice")
        for before, after in pairwise(versions):
            _check_pair(before, after)


def _repeated(numbers: list[int]) -> int:
    return next(n for n in numbers if numbers.count(n) > 1)


def _check_pair(before: RuleSet, after: RuleSet) -> None:
    if after.version < before.version:
        raise InvalidRuleSet(
            f"{after.key} starts {after.effective_from}, after {before.key} "
            f"({before.effective_from}): version numbers must rise with the dates"
        )
    if before.effective_to is None:
        if after.effective_from <= before.effective_from:
            raise InvalidRuleSet(
                f"{after.key} starts {after.effective_from}, the day {before.key} starts: "
                "a new version starts after the one it follows"
            )
        return  # the open-ended version runs until this one starts
    if before.effective_to >= after.effective_from:
        # A stored version never changes, so the way out is usually the new one's start.
        raise InvalidRuleSet(
            f"{before.key} ({before.effective_from} to {before.effective_to}) overlaps "
            f"{after.key} (from {after.effective_from}): start {after.key} on "
            f"{before.effective_to + timedelta(days=1)}, after {before.key} ends (or, while "
            f"{before.key} is not stored yet, end it on "
            f"{after.effective_from - timedelta(days=1)})"
        )
    if before.effective_to + timedelta(days=1) < after.effective_from:
        raise InvalidRuleSet(
            f"no version of {before.id} is in force from "
            f"{before.effective_to + timedelta(days=1)} to "
            f"{after.effective_from - timedelta(days=1)} (between {before.key} and {after.key})"
        )


def _last_days(rule_sets: Iterable[RuleSet]) -> dict[str, date]:
    """Each version's last day: its ``effective_to``, else the day before the next version
    of its id starts, else never (``date.max``)."""
    ordered = sorted(rule_sets, key=lambda r: (r.id, r.effective_from))
    last: dict[str, date] = {}
    for _, group in groupby(ordered, key=lambda r: r.id):
        versions = list(group)
        for version, following in zip(versions, [*versions[1:], None], strict=True):
            if version.effective_to is not None:
                last[version.key] = version.effective_to
            elif following is not None:
                last[version.key] = following.effective_from - timedelta(days=1)
            else:
                last[version.key] = date.max
    return last


class RuleBook:
    """Every version of every rule set the caller knows, validated together.

    ``draft`` (simulation only) is in force on every day for its id, whatever its dates
    say; the other versions of that id still settle the payouts they priced.
    """

    def __init__(self, rule_sets: Iterable[RuleSet], *, draft: RuleSet | None = None) -> None:
        self._all = tuple(sorted(rule_sets, key=lambda r: (r.id, r.version)))
        check_versions(self._all)
        self._last_day = _last_days(self._all)
        self._by_key = {r.key: r for r in self._all}
        self._draft = draft
        if draft is not None:
            known = self._by_key.get(draft.key)
            if known is not None and known != draft:
                raise InvalidRuleSet(
                    f"the draft reuses version {draft.version} of {draft.id}; "
                    "give it a new version number"
                )
            self._by_key[draft.key] = draft

    @property
    def rule_sets(self) -> tuple[RuleSet, ...]:
        return self._all

    def in_force(self, set_id: str, day: date) -> RuleSet | None:
        if self._draft is not None and self._draft.id == set_id:
            return self._draft
        return next(
            (
                r
                for r in self._all
                if r.id == set_id and r.effective_from <= day <= self._last_day[r.key]
            ),
            None,
        )

    def for_photo(self, photo: AuditedPhoto) -> tuple[RuleSet, ...]:
        """The version of each rule set in force on the visit day that covers the activity."""
        found = (self.in_force(set_id, photo.visit_day) for set_id in self.ids)
        return tuple(r for r in found if r is not None and r.covers(photo.activity_id))

    @property
    def ids(self) -> tuple[str, ...]:
        drafted = {self._draft.id} if self._draft is not None else set()
        return tuple(sorted({r.id for r in self._all} | drafted))

    def get(self, set_id: str, version: int) -> RuleSet:
        """The version that priced an earlier line; the caller must pass old versions too."""
        found = self._by_key.get(f"{set_id}@{version}")
        if found is None:
            raise CommissionError(
                f"earlier payouts were priced by {set_id}@{version}, which was not given; "
                "pass every version of a rule set, not only the active one"
            )
        return found
