"""The engine's entry point: photos, rule sets and history in, statements out.

Pure and deterministic: photos and rule sets are sorted by stable keys (capture time, photo
id; rule-set id, version; rule id) before anything is computed, so the input order never
matters, and no database or clock is read. Decisions count as of the period's end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from datetime import date

from shelfaudit.commission.history import History
from shelfaudit.commission.limits import apply_limits
from shelfaudit.commission.lines import LineKind, PayoutLine, photos_named
from shelfaudit.commission.periods import Period
from shelfaudit.commission.pricing import price_photo
from shelfaudit.commission.records import AuditedPhoto
from shelfaudit.commission.rules import RuleSet, VisitBandRule
from shelfaudit.commission.settlement import settle
from shelfaudit.commission.standing import PhotoStanding, standing_of
from shelfaudit.commission.statement import Statement, build_statements
from shelfaudit.commission.versions import RuleBook
from shelfaudit.commission.visits import price_visits
from shelfaudit.errors import CommissionError


def evaluate(
    photos: Iterable[AuditedPhoto],
    rule_sets: Iterable[RuleSet],
    period: Period,
    prior_payouts: Iterable[PayoutLine] = (),
    late: Collection[int] = (),
) -> list[Statement]:
    """Statements for every rep with a line in ``period``, sorted by rep and currency.

    ``photos``: those captured in the period (they earn, are held or penalised), plus any
    earlier photo with open holds or paid lines whose review may have changed (they are
    settled: released, clawed back), plus the earlier photos named in ``late``. Photos
    captured at or after the period's end are ignored. Budgets share money across reps:
    pass every rep's photos, not one rep's.

    ``rule_sets``: every version of every rule set (old ones settle old payouts); each
    photo is priced by the version in force on its visit day (``AuditedPhoto.visit_day``)
    that covers its activity.

    ``prior_payouts``: lines of earlier statements; those of statements ending after the
    period's start are ignored.

    ``late``: ids of earlier photos that arrived (or were analysed) after their own period's
    statement was run; one that no earlier line priced is priced now, per photo, under the
    version in force on its visit day, and counts against the caps and budgets of its
    capture window with what that window already paid (visit bands of its settled period
    are not applied again).

    Raises ``InvalidRuleSet`` (versions overlap or leave a gap), ``MissingField`` (a rule
    reads a field a photo lacks) and ``CommissionError`` (a photo id given twice, history
    priced by a version not given).
    """
    return evaluate_book(photos, RuleBook(rule_sets), period, prior_payouts, late)


def evaluate_book(
    photos: Iterable[AuditedPhoto],
    book: RuleBook,
    period: Period,
    prior_payouts: Iterable[PayoutLine] = (),
    late: Collection[int] = (),
) -> list[Statement]:
    """``evaluate`` over an already checked ``RuleBook`` (simulation passes a draft in it)."""
    ordered = _unique(photos)
    history = History(prior_payouts, period)
    current = [p for p in ordered if period.contains(p.captured_at)]
    priced = photos_named(history.lines)
    arrived = [
        p
        for p in ordered
        if p.captured_at < period.start and p.photo_id in late and p.photo_id not in priced
    ]
    # Settled first: a photo paid late after a rejection was overturned counts against the
    # caps and budgets of its capture window like any earning.
    settled = settle(ordered, book, history, period)
    by_photo = {p.photo_id: p for p in ordered}
    lines: list[PayoutLine] = []
    for set_id in book.ids:
        paid_late = [
            line
            for line in settled
            if line.rule_set_id == set_id and line.kind in (LineKind.earn, LineKind.bonus)
        ]
        lines.extend(
            _price_rule_set(set_id, current, arrived, paid_late, by_photo, book, history, period)
        )
    lines.extend(settled)
    _check_unique_ids(lines)
    return build_statements(lines, period, history)


def _price_rule_set(
    set_id: str,
    photos: list[AuditedPhoto],
    arrived: list[AuditedPhoto],
    paid_late: list[PayoutLine],
    by_photo: dict[int, AuditedPhoto],
    book: RuleBook,
    history: History,
    period: Period,
) -> list[PayoutLine]:
    """The period's photos priced (per photo and per visit), photos that arrived after their
    own period's run priced too, and the caps and budgets over these and ``paid_late`` (the
    settlement's late earnings): limits count by capture window with earlier statements'
    lines, so a late photo is cut against what its own month already paid."""
    by_version: dict[int, list[tuple[AuditedPhoto, PhotoStanding]]] = {}
    for photo in photos:
        rule_set = book.in_force(set_id, photo.visit_day)
        if rule_set is None or not rule_set.covers(photo.activity_id):
            continue
        state = standing_of(photo, rule_set, as_of=period.end)
        by_version.setdefault(rule_set.version, []).append((photo, state))
    banded = _banded_visits(set_id, book, history)
    lines: list[PayoutLine] = []
    for version, members in sorted(by_version.items()):
        rule_set = book.get(set_id, version)
        for photo, state in members:
            lines.extend(price_photo(photo, state, rule_set, period))
        # A visit whose photos straddle two periods (taken either side of the business's
        # midnight but on one day of the phone) was banded in the first: once per visit.
        unbanded = [m for m in members if _visit_of(m[0]) not in banded]
        lines.extend(price_visits(unbanded, rule_set, period))
    lines.extend(_priced_late(set_id, arrived, book, history, period))
    by_id = {p.photo_id: p for p in (*photos, *arrived)}
    by_id |= {line.photo_id: by_photo[line.photo_id] for line in paid_late}
    return lines + apply_limits(set_id, [*lines, *paid_late], by_id, book, history, period)


def _visit_of(photo: AuditedPhoto) -> tuple[str, str, date]:
    return (photo.rep_id, photo.store_id, photo.visit_day)


def _banded_visits(set_id: str, book: RuleBook, history: History) -> set[tuple[str, str, date]]:
    """Visits an earlier statement paid a visit band of ``set_id`` for (held or not)."""
    band_rules = {
        (rule_set.version, rule.id)
        for rule_set in book.rule_sets
        if rule_set.id == set_id
        for rule in rule_set.rules_of(VisitBandRule)
    }
    return {
        (line.rep_id, line.store_id, line.visit_day)
        for line in history.of_rule_set(set_id)
        if (line.rule_set_version, line.rule_id) in band_rules
    }


def _priced_late(
    set_id: str,
    arrived: list[AuditedPhoto],
    book: RuleBook,
    history: History,
    period: Period,
) -> list[PayoutLine]:
    """Earlier photos no statement priced: their per-photo lines, and the visit bands of
    visits no earlier line of the rule set paid (a whole visit sent late); a visit whose
    other photos were priced in its own period keeps what that period paid it."""
    paid_visits = {
        (line.rep_id, line.store_id, line.visit_day) for line in history.of_rule_set(set_id)
    }
    by_version: dict[int, list[tuple[AuditedPhoto, PhotoStanding]]] = {}
    lines: list[PayoutLine] = []
    for photo in arrived:
        rule_set = book.in_force(set_id, photo.visit_day)
        if rule_set is None or not rule_set.covers(photo.activity_id):
            continue
        state = standing_of(photo, rule_set, as_of=period.end)
        lines.extend(_late(line, photo) for line in price_photo(photo, state, rule_set, period))
        if (photo.rep_id, photo.store_id, photo.visit_day) not in paid_visits:
            by_version.setdefault(rule_set.version, []).append((photo, state))
    for version, members in sorted(by_version.items()):
        visits = price_visits(members, book.get(set_id, version), period)
        by_id = {photo.photo_id: photo for photo, _ in members}
        lines.extend(_late(line, by_id[line.photo_id]) for line in visits)
    return lines


def _late(line: PayoutLine, photo: AuditedPhoto) -> PayoutLine:
    note = f" (captured {photo.visit_day:%Y-%m-%d}, after that period's statement: priced late)"
    return line.model_copy(update={"explanation": line.explanation + note})


def _unique(photos: Iterable[AuditedPhoto]) -> list[AuditedPhoto]:
    ordered = sorted(photos, key=lambda p: (p.captured_at, p.photo_id))
    seen: set[int] = set()
    for photo in ordered:
        if photo.photo_id in seen:
            raise CommissionError(f"photo {photo.photo_id} was given twice")
        seen.add(photo.photo_id)
    return ordered


def _check_unique_ids(lines: list[PayoutLine]) -> None:
    twice = sorted(i for i, n in Counter(line.line_id for line in lines).items() if n > 1)
    if twice:
        # A bug here, not bad input: the caller upserts by line id.
        raise AssertionError(f"duplicate line ids: {twice}")
