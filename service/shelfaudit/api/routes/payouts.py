"""Payout statements per rep and period: run them, read them, export them as CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from shelfaudit.api.deps import SessionDep
from shelfaudit.api.security import Approver
from shelfaudit.commission import Statement, statements_csv
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
def post_run(session: SessionDep, principal: Approver, body: RunIn) -> RunPublic:
    """Compute and store the period's statements (again: a re-run replaces them)."""
    run = run_statements(session, period=parse_period(body.period), actor=principal)
    session.commit()
    return RunPublic(statements=run.statements, skipped=run.skipped)


@router.get("/statements", response_model=list[Statement])
def get_statements(
    session: SessionDep,
    _: Approver,
    period: PeriodText,
    rep_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[Statement]:
    """Stored statements of a period, each line with its rule-set version, rule and why."""
    return read_statements(session, period=parse_period(period), rep_id=rep_id)


@router.get("/statements.csv", response_class=Response)
def get_statements_csv(
    session: SessionDep,
    _: Approver,
    period: PeriodText,
    rep_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    parsed = parse_period(period)
    text = statements_csv(read_statements(session, period=parsed, rep_id=rep_id))
    name = f"statements-{parsed.label.replace(':', '')}.csv"
    return Response(
        content=text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
