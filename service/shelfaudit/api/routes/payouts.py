"""Payout statements per rep and period: run them, read them, export them as CSV."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.security import AdminOnly, Approver
from shelfaudit.commission import Statement, statements_csv
from shelfaudit.payouts.closing import close_period
from shelfaudit.payouts.period_text import parse_period
from shelfaudit.payouts.statements import read_statements, run_statements

router = APIRouter(prefix="/v1/payouts", tags=["payouts"])

PeriodText = Annotated[str, Query(max_length=64, description="2026-05, 2026-W19 or a..b")]


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(max_length=64, examples=["2026-05"])


class RunPublic(BaseModel):
    statements: list[Statement]
    skipped: dict[int, str] = Field(description="photos that could not be paid, and why")


@router.post("/runs", response_model=RunPublic)
def post_run(
    runtime: RuntimeDep, session: SessionDep, principal: Approver, body: RunIn
) -> RunPublic:
    """Compute and store the period's statements (again: a re-run replaces them, until the
    period is closed). Statements run before their period ends are marked provisional."""
    period = parse_period(body.period, runtime.settings.business_offset_min)
    run = run_statements(session, period=period, actor=principal)
    session.commit()
    return RunPublic(statements=run.statements, skipped=run.skipped)


class ClosurePublic(BaseModel):
    period: str
    closed_by: str
    closed_at: datetime
    statements: int = Field(description="statements of the period made final")


@router.post("/closures", response_model=ClosurePublic)
def post_closure(
    runtime: RuntimeDep, session: SessionDep, principal: AdminOnly, body: RunIn
) -> ClosurePublic:
    """Make an ended period's statements final (paid out): it is never run again, and what
    changes later is settled in the next period."""
    period = parse_period(body.period, runtime.settings.business_offset_min)
    closure = close_period(session, period=period, actor=principal)
    session.commit()
    return ClosurePublic(
        period=closure.period.label,
        closed_by=closure.closed_by,
        closed_at=closure.closed_at,
        statements=closure.statements,
    )


@router.get("/statements", response_model=list[Statement])
def get_statements(
    runtime: RuntimeDep,
    session: SessionDep,
    _: Approver,
    period: PeriodText,
    rep_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[Statement]:
    """Stored statements of a period, each line with its rule-set version, rule and why."""
    parsed = parse_period(period, runtime.settings.business_offset_min)
    return read_statements(session, period=parsed, rep_id=rep_id)


@router.get("/statements.csv", response_class=Response)
def get_statements_csv(
    runtime: RuntimeDep,
    session: SessionDep,
    _: Approver,
    period: PeriodText,
    rep_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    parsed = parse_period(period, runtime.settings.business_offset_min)
    text = statements_csv(read_statements(session, period=parsed, rep_id=rep_id))
    name = f"statements-{parsed.label.replace(':', '')}.csv"
    return Response(
        # With the byte-order mark Excel reads the file as UTF-8 (without it, as the
        # system's code page: Vietnamese rep and store names came out garbled).
        content="\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
