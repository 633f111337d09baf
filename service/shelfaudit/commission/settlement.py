"""Settling earlier photos: releases, lapsed holds, clawbacks and late penalties.

A photo captured before the period is looked at only if earlier payouts hold lines for it
and the caller passed it in (with its current review). It is judged under the rule set
version that priced it, as of the period's end:

- money on hold and the photo now payable (approved, or its verdict cleared): ``release``
  pays it out; now rejected: a ``release`` at zero takes it off hold (the hold lapses);
- money paid and the photo now rejected: ``clawback`` of everything paid for it, if the
  version has a clawback rule whose reason codes and time limit match;
- rejected for a reason a ``fraud_penalty`` lists, and never penalised: the penalty;
- payable again after a clawback or a penalty (a reviewer overturned the rejection or the
  fraud verdict): ``clawback_refund`` and ``penalty_refund`` pay them back;
- payable, never paid and nothing on hold (a fraud verdict, or a rejection, overturned;
  a hold that lapsed on rejection paid nothing): its per-photo bands and bonuses are paid
  late, in this statement. Visit bands, caps and budgets of its own period are not applied
  again (that period is settled).

Each of these happens once: the lines it writes are history for the next statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from shelfaudit.commission.history import (
    History,
    ever_paid,
    held_open,
    net_of,
    paid_net,
    penalised,
)
from shelfaudit.commission.lines import LineKind, PayoutLine, new_line
from shelfaudit.commission.money import format_money
from shelfaudit.commission.periods import Period
from shelfaudit.commission.pricing import penalty_lines, photo_title, price_photo
from shelfaudit.commission.records import AuditedPhoto
from shelfaudit.commission.rules import ClawbackRule, ReviewHoldRule, RuleSet
from shelfaudit.commission.standing import PhotoStanding, Standing, standing_of
from shelfaudit.commission.versions import RuleBook
from shelfaudit.errors import MissingField


def settle(
    photos: Sequence[AuditedPhoto], book: RuleBook, history: History, period: Period
) -> list[PayoutLine]:
    earlier_photos = {p.photo_id: p for p in photos if p.captured_at < period.start}
    lines: list[PayoutLine] = []
    for set_id, photo_id in history.photo_keys():
        photo = earlier_photos.get(photo_id)
        if photo is not None:
            earlier = history.for_photo(set_id, photo_id)
            lines.extend(_settle_photo(photo, earlier, book, period))
    return lines


def _settle_photo(
    photo: AuditedPhoto, earlier: list[PayoutLine], book: RuleBook, period: Period
) -> list[PayoutLine]:
    first = min(earlier, key=lambda line: line.line_id)
    rule_set = book.get(first.rule_set_id, first.rule_set_version)
    state = standing_of(photo, rule_set, as_of=period.end)
    lines = []
    release = _release(photo, earlier, rule_set, state, period)
    if release is not None:
        lines.append(release)
    clawback = _clawback(photo, earlier, rule_set, state, period)
    if clawback is not None:
        lines.append(clawback)
    if state.standing is Standing.rejected and not penalised(earlier):
        lines.extend(penalty_lines(photo, state, rule_set, period))
    if state.standing is Standing.payable:
        lines.extend(_refunds(photo, earlier, rule_set, state, period))
        if not ever_paid(earlier) and held_open(earlier) <= 0:
            lines.extend(_paid_late(photo, rule_set, state, period))
    return lines


_REFUNDS = (
    (LineKind.clawback, LineKind.clawback_refund),
    (LineKind.penalty, LineKind.penalty_refund),
)


def _refunds(
    photo: AuditedPhoto,
    earlier: list[PayoutLine],
    rule_set: RuleSet,
    state: PhotoStanding,
    period: Period,
) -> list[PayoutLine]:
    """What clawbacks and penalties took from a photo that is payable again, paid back, one
    line per rule that took it."""
    found = []
    for taken_kind, refund_kind in _REFUNDS:
        rule_ids = sorted({line.rule_id for line in earlier if line.kind is taken_kind})
        for rule_id in rule_ids:
            mine = [line for line in earlier if line.rule_id == rule_id]
            owed = -net_of(mine, taken_kind, refund_kind)
            if owed <= 0:
                continue
            taken = [line for line in mine if line.kind is taken_kind and line.amount < 0]
            money = format_money(owed, rule_set.currency)
            found.append(
                new_line(
                    period=period,
                    rule_set=rule_set,
                    rule_id=rule_id,
                    kind=refund_kind,
                    photo=photo,
                    amount=owed,
                    others=taken[0].photo_ids,
                    refers_to=tuple(line.line_id for line in taken),
                    explanation=(
                        f"{photo_title(photo)}: {money} {taken_kind.value} of the "
                        f"{_statement_of(taken, period)} paid back: {state.why}"
                    ),
                )
            )
    return found


def _paid_late(
    photo: AuditedPhoto, rule_set: RuleSet, state: PhotoStanding, period: Period
) -> list[PayoutLine]:
    """The per-photo bands and bonuses of a photo never paid nor held, now payable."""
    try:
        priced = price_photo(photo, state, rule_set, period)
    except MissingField:
        return []  # as priced in its own period: shown there at zero with why
    return [
        line.model_copy(update={"explanation": f"{line.explanation}, paid late"})
        for line in priced
        if line.kind in (LineKind.earn, LineKind.bonus) and line.amount > 0
    ]


def _statement_of(lines: list[PayoutLine], period: Period) -> str:
    """The statements ``lines`` were on, named in ``period``'s offset."""
    offset = period.offset_min
    titles = sorted(
        {Period(start=x.period_start, end=x.period_end, offset_min=offset).title for x in lines}
    )
    return " and ".join(titles) + (" statements" if len(titles) > 1 else " statement")


def _release(
    photo: AuditedPhoto,
    earlier: list[PayoutLine],
    rule_set: RuleSet,
    state: PhotoStanding,
    period: Period,
) -> PayoutLine | None:
    held = held_open(earlier)
    if held <= 0 or state.standing not in (Standing.payable, Standing.rejected):
        return None
    holds = [line for line in earlier if line.held]
    hold_rules = rule_set.rules_of(ReviewHoldRule)
    rule_id = hold_rules[0].id if hold_rules else holds[0].rule_id
    money = format_money(held, rule_set.currency)
    where = f"held on the {_statement_of(holds, period)}"
    if state.standing is Standing.payable:
        paid, text = held, f"{money} released, {where}: {state.why}"
    else:
        paid, text = Decimal(0), f"{money} {where} no longer held: {state.why}"
    return new_line(
        period=period,
        rule_set=rule_set,
        rule_id=rule_id,
        kind=LineKind.release,
        photo=photo,
        amount=paid,
        held=-held,
        others=holds[0].photo_ids,
        refers_to=tuple(line.line_id for line in holds),
        explanation=f"{photo_title(photo)}: {text}",
    )


def _clawback(
    photo: AuditedPhoto,
    earlier: list[PayoutLine],
    rule_set: RuleSet,
    state: PhotoStanding,
    period: Period,
) -> PayoutLine | None:
    paid = paid_net(earlier)
    review = state.review
    if paid <= 0 or state.standing is not Standing.rejected or review is None:
        return None
    rule = next(
        (r for r in rule_set.rules_of(ClawbackRule) if r.applies_to(photo.activity_id)), None
    )
    if rule is None:
        return None
    if rule.reason_codes is not None and review.reason_code not in rule.reason_codes:
        return None
    if rule.within_days is not None and (
        review.decided_at - photo.captured_at > timedelta(days=rule.within_days)
    ):
        return None
    paying = [line for line in earlier if line.amount and line.kind is not LineKind.penalty]
    money = format_money(-paid, rule_set.currency)
    return new_line(
        period=period,
        rule_set=rule_set,
        rule_id=rule.id,
        kind=LineKind.clawback,
        photo=photo,
        amount=-paid,
        others=paying[0].photo_ids if paying else (),
        refers_to=tuple(line.line_id for line in paying),
        explanation=(
            f"{photo_title(photo)}: {money} clawback: photo {state.why}; "
            f"paid on the {_statement_of(paying, period)}"
        ),
    )
