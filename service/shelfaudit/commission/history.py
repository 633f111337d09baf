"""Earlier payouts, as the engine reads them: what each photo was paid, held and penalised.

Only lines of statements that ended at or before the period's start count, so evaluating
(or simulating) a past period again gives the same answer whatever history is passed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from shelfaudit.commission.lines import LineKind, PayoutLine
from shelfaudit.commission.periods import Period


class History:
    def __init__(self, lines: Iterable[PayoutLine], period: Period) -> None:
        kept = [line for line in lines if line.period_end <= period.start]
        self.lines: tuple[PayoutLine, ...] = tuple(sorted(kept, key=lambda line: line.line_id))
        self._by_photo: dict[tuple[str, int], list[PayoutLine]] = defaultdict(list)
        for line in self.lines:
            self._by_photo[(line.rule_set_id, line.photo_id)].append(line)

    def for_photo(self, rule_set_id: str, photo_id: int) -> list[PayoutLine]:
        return self._by_photo.get((rule_set_id, photo_id), [])

    def photo_keys(self) -> list[tuple[str, int]]:
        return sorted(self._by_photo)

    def of_rule_set(self, rule_set_id: str) -> list[PayoutLine]:
        return [line for line in self.lines if line.rule_set_id == rule_set_id]

    def on_hold(self, rep_id: str, currency: str) -> Decimal:
        return sum(
            (
                line.held
                for line in self.lines
                if line.rep_id == rep_id and line.currency == currency
            ),
            Decimal(0),
        )


PENALTY_KINDS = frozenset({LineKind.penalty, LineKind.penalty_refund})


def paid_net(lines: Iterable[PayoutLine]) -> Decimal:
    """Money paid for a photo so far, after cuts, clawbacks and their refunds (penalties are
    apart)."""
    return sum((line.amount for line in lines if line.kind not in PENALTY_KINDS), Decimal(0))


def net_of(lines: Iterable[PayoutLine], *kinds: LineKind) -> Decimal:
    return sum((line.amount for line in lines if line.kind in kinds), Decimal(0))


def held_open(lines: Iterable[PayoutLine]) -> Decimal:
    return sum((line.held for line in lines), Decimal(0))


def penalised(lines: Iterable[PayoutLine]) -> bool:
    """Penalised and not refunded since."""
    return net_of(lines, LineKind.penalty, LineKind.penalty_refund) < 0


def ever_paid(lines: Iterable[PayoutLine]) -> bool:
    """Money was paid for the photo at some point (a lapsed hold paid nothing)."""
    return any(line.amount > 0 for line in lines if line.kind not in PENALTY_KINDS)
