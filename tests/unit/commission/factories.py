"""Small builders for commission tests: photos, reviews and rule sets with few knobs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from shelfaudit.commission import (
    AuditedPhoto,
    CriterionResult,
    Decision,
    PayoutLine,
    Period,
    Review,
    RuleSet,
    evaluate,
)
from shelfaudit.commission.statement import Statement
from shelfaudit.domain.fraud import Verdict

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "commission"
MAY = Period.month(2026, 5)
JUNE = Period.month(2026, 6)

BANDS = [
    {"min": 60, "max": 69, "amount": 10},
    {"min": 70, "max": 79, "amount": 20},
    {"min": 80, "max": 89, "amount": 40},
    {"min": 90, "max": 100, "amount": 50},
]


def at(day: int, hour: int = 10, month: int = 5, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def photo(
    photo_id: int,
    *,
    score: float | str | None = 82,
    when: datetime | None = None,
    rep: str = "R1",
    store: str = "114",
    activity: str = "stack",
    verdict: Verdict = Verdict.clean,
    reason: str | None = None,
    review: Review | None = None,
    criteria: tuple[tuple[str, bool, bool], ...] = (),
    measures: dict[str, str] | None = None,
    offset_min: int | None = None,
) -> AuditedPhoto:
    return AuditedPhoto(
        photo_id=photo_id,
        rep_id=rep,
        store_id=store,
        store_name="",
        activity_id=activity,
        activity_name="Heineken stack" if activity == "stack" else activity,
        captured_at=when or at(12),
        captured_offset_min=offset_min,
        score=None if score is None else Decimal(str(score)),
        measures={k: Decimal(v) for k, v in (measures or {}).items()},
        criteria=tuple(CriterionResult(name=n, mandatory=m, passed=p) for n, m, p in criteria),
        verdict=verdict,
        verdict_reason=reason,
        review=review,
    )


def review(
    decision: Decision,
    *,
    when: datetime | None = None,
    reason: str | None = None,
    comment: str | None = None,
) -> Review:
    return Review(decision=decision, decided_at=when or at(20), reason_code=reason, comment=comment)


def rule_set(
    *rules: dict[str, Any],
    version: int = 1,
    currency: str = "CNY",
    effective_from: date = date(2026, 1, 1),
    effective_to: date | None = None,
    **extra: Any,
) -> RuleSet:
    return RuleSet.model_validate(
        {
            "id": "hnk",
            "version": version,
            "currency": currency,
            "effective_from": effective_from,
            "effective_to": effective_to,
            "rules": list(rules),
            **extra,
        }
    )


def bands(rule_id: str = "bands", kind: str = "score_band", **extra: Any) -> dict[str, Any]:
    return {"id": rule_id, "kind": kind, "bands": BANDS, **extra}


HOLD = {"id": "hold", "kind": "review_hold"}
CLAWBACK = {"id": "claw", "kind": "clawback"}


def one_statement(
    photos: list[AuditedPhoto],
    rules: RuleSet | list[RuleSet],
    period: Period = MAY,
    prior: list[PayoutLine] | tuple[PayoutLine, ...] = (),
) -> Statement:
    sets = rules if isinstance(rules, list) else [rules]
    (statement,) = evaluate(photos, sets, period, prior)
    return statement


def summary(statement: Statement) -> list[tuple[str, str, int, Decimal, Decimal]]:
    """(kind, rule, photo, amount, held) per line: what tables compare against."""
    return [(x.kind.value, x.rule_id, x.photo_id, x.amount, x.held) for x in statement.lines]
