"""Payout statements per rep and period, and their CSV rendering.

A statement holds one rep's lines in one currency for one period (a rep paid under rule
sets in two currencies gets two). ``total`` is what this statement pays (negative when
clawbacks and penalties outweigh earnings), ``held`` the change in money on hold, and
``on_hold`` the money still on hold after it, counting earlier statements.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, computed_field

from shelfaudit.commission.history import History
from shelfaudit.commission.lines import PayoutLine, sort_key
from shelfaudit.commission.periods import Period


class Statement(BaseModel):
    model_config = ConfigDict(frozen=True)

    rep_id: str
    currency: str
    period: Period
    lines: tuple[PayoutLine, ...]
    total: Decimal
    held: Decimal
    on_hold: Decimal
    rule_sets: tuple[str, ...]  # the versions behind the lines, "heineken_2026@2"
    # Set on stored statements: when the run that stored it was made, and the period's
    # closure (final: paid out, never run again), if any.
    run_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    closed_by: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> str:
        """``closed`` (final, paid out), ``provisional`` (run before its period ended),
        ``run`` (stored, may still be run again) or ``computed`` (not stored)."""
        if self.closed_at is not None:
            return "closed"
        if self.run_at is None:
            return "computed"
        return "provisional" if self.provisional else "run"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def provisional(self) -> bool:
        """Stored before its period ended: later decisions and photos of the period are
        still to come, so a run after the end may change it."""
        return self.run_at is not None and self.run_at < self.period.end


def build_statements(
    lines: Iterable[PayoutLine], period: Period, history: History
) -> list[Statement]:
    """Group lines by rep and currency, in a stable order (reps, then visits)."""
    grouped: dict[tuple[str, str], list[PayoutLine]] = defaultdict(list)
    for line in lines:
        grouped[(line.rep_id, line.currency)].append(line)
    statements = []
    for (rep_id, currency), mine in sorted(grouped.items()):
        ordered = tuple(sorted(mine, key=sort_key))
        held = sum((line.held for line in ordered), Decimal(0))
        statements.append(
            Statement(
                rep_id=rep_id,
                currency=currency,
                period=period,
                lines=ordered,
                total=sum((line.amount for line in ordered), Decimal(0)),
                held=held,
                on_hold=history.on_hold(rep_id, currency) + held,
                rule_sets=tuple(sorted({line.rule_set_key for line in ordered})),
            )
        )
    return statements


CSV_COLUMNS = (
    "period",
    "rep_id",
    "currency",
    "line_id",
    "kind",
    "visit_at",
    "store_id",
    "activity_id",
    "photo_ids",
    "rule_set",
    "rule_id",
    "amount",
    "held",
    "refers_to",
    "explanation",
    "run_at",
    "closed_at",
    "status",
)


def statements_csv(statements: Sequence[Statement]) -> str:
    """One row per line; amounts as plain decimals, photo ids and references space-separated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for statement in statements:
        for line in statement.lines:
            writer.writerow(
                (
                    statement.period.label,
                    line.rep_id,
                    line.currency,
                    line.line_id,
                    line.kind.value,
                    line.visit_at.isoformat(),
                    line.store_id,
                    line.activity_id,
                    " ".join(str(i) for i in line.photo_ids),
                    line.rule_set_key,
                    line.rule_id,
                    str(line.amount),
                    str(line.held),
                    " ".join(line.refers_to),
                    line.explanation,
                    statement.run_at.isoformat() if statement.run_at else "",
                    statement.closed_at.isoformat() if statement.closed_at else "",
                    statement.status,
                )
            )
    return out.getvalue()
