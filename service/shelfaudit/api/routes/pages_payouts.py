"""Pages for statements (approvers), rule sets with simulation (admins) and label export
(ML engineers)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.ids import Version
from shelfaudit.api.security import AdminOnly, Approver, LabelExporter
from shelfaudit.commission import Cadence, Period
from shelfaudit.domain.strict_yaml import brief
from shelfaudit.errors import InvalidInput
from shelfaudit.payouts.closing import close_period
from shelfaudit.payouts.period_text import parse_period
from shelfaudit.payouts.rule_store import activate, add_rule_set, get_version, list_versions
from shelfaudit.payouts.run_order import period_state
from shelfaudit.payouts.simulation import simulate_draft
from shelfaudit.payouts.statements import read_statements, run_statements
from shelfaudit.review.triage import TriageConfig, retriage_open
from shelfaudit.store.tables import RuleSetVersion
from shelfaudit.web.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)
MAX_RULE_SET_CHARS = 200_000  # a rule set is a page of YAML


def _this_month(offset_min: int) -> str:
    return Period.containing(datetime.now(UTC), Cadence.month, offset_min).label


@router.get("/payouts", response_class=HTMLResponse)
def statements_page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    principal: Approver,
    period: Annotated[str | None, Query(max_length=64)] = None,
    rep_id: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    offset = runtime.settings.business_offset_min
    text = period or _this_month(offset)
    parsed = parse_period(text, offset)
    statements = read_statements(session, period=parsed, rep_id=rep_id or None)
    return render(
        request,
        "statements.html",
        {
            "period": text,
            "rep_id": rep_id or "",
            "statements": statements,
            "state": period_state(session, parsed),
        },
        principal=principal,
    )


@router.post("/payouts/run", response_class=RedirectResponse)
def run_page(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: Approver,
    period: Annotated[str, Form(max_length=64)],
) -> RedirectResponse:
    parsed = parse_period(period, runtime.settings.business_offset_min)
    run_statements(session, period=parsed, actor=principal)
    session.commit()
    return RedirectResponse(f"/payouts?period={period}", status_code=303)


@router.post("/payouts/close", response_class=RedirectResponse)
def close_page(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: AdminOnly,
    period: Annotated[str, Form(max_length=64)],
) -> RedirectResponse:
    parsed = parse_period(period, runtime.settings.business_offset_min)
    close_period(session, period=parsed, actor=principal)
    session.commit()
    return RedirectResponse(f"/payouts?period={period}", status_code=303)


@router.get("/rule-sets", response_class=HTMLResponse)
def rule_sets_page(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    principal: AdminOnly,
    simulate: Annotated[str | None, Query(max_length=80, description="id@version")] = None,
    period: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    diffs = None
    outside = None
    if simulate and period:
        set_id, _, version = simulate.partition("@")
        if not re.fullmatch(r"[0-9]{1,9}", version):  # "²" is a digit to str.isdigit
            raise InvalidInput(
                f"simulate {brief(simulate)}: write the rule set as id@version, e.g. "
                "heineken_2026@2",
                field="simulate",
            )
        parsed = parse_period(period, runtime.settings.business_offset_min)
        diffs = simulate_draft(session, rule_set_id=set_id, version=int(version), period=parsed)
        outside = _outside(get_version(session, set_id, int(version)), parsed)
    return render(
        request,
        "rule_sets.html",
        {
            "versions": list_versions(session),
            "simulate": simulate or "",
            "period": period or _this_month(runtime.settings.business_offset_min),
            "diffs": diffs,
            "outside": outside,
        },
        principal=principal,
    )


def _outside(row: RuleSetVersion, period: Period) -> str | None:
    """Why a draft changes nothing in ``period``: it is not in force in any of it."""
    first = period.local(period.start).date()
    last = period.local(period.end - timedelta(microseconds=1)).date()
    if row.effective_from > last:
        return f"{row.rule_set_id}@{row.version} starts {row.effective_from}, after {period.label}"
    if row.effective_to is not None and row.effective_to < first:
        return f"{row.rule_set_id}@{row.version} ended {row.effective_to}, before {period.label}"
    return None


@router.post("/rule-sets/upload", response_class=RedirectResponse)
def upload_rule_set_page(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: AdminOnly,
    source: Annotated[str, Form(min_length=1, max_length=MAX_RULE_SET_CHARS)],
) -> RedirectResponse:
    """Store a draft from the page's YAML box, then simulate it over this month."""
    row = add_rule_set(session, text=source, syntax="yaml", actor=principal)
    session.commit()
    draft = f"{row.rule_set_id}@{row.version}"
    month = _this_month(runtime.settings.business_offset_min)
    return RedirectResponse(
        f"/rule-sets?{urlencode({'simulate': draft, 'period': month})}", status_code=303
    )


@router.post("/rule-sets/{rule_set_id}/{version}/activate", response_class=RedirectResponse)
def activate_rule_set_page(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: AdminOnly,
    rule_set_id: str,
    version: Version,
) -> RedirectResponse:
    activate(session, rule_set_id=rule_set_id, version=version, actor=principal)
    retriage_open(session, config=TriageConfig.from_settings(runtime.settings))
    session.commit()
    return RedirectResponse("/rule-sets", status_code=303)


@router.get("/labels", response_class=HTMLResponse)
def labels_page(request: Request, principal: LabelExporter) -> HTMLResponse:
    return render(request, "labels.html", {}, principal=principal)
