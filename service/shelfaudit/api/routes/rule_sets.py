"""Commission rule sets as data: upload a version (YAML or JSON), read it, activate it,
simulate a draft over a past period against the active versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict

from shelfaudit.api.deps import RuntimeDep, SessionDep
from shelfaudit.api.ids import Version
from shelfaudit.api.security import AdminOnly
from shelfaudit.commission import RepDiff
from shelfaudit.commission.loader import Syntax
from shelfaudit.errors import InvalidInput
from shelfaudit.payouts.period_text import parse_period
from shelfaudit.payouts.rule_store import activate, add_rule_set, get_version, list_versions
from shelfaudit.payouts.simulation import simulate_draft
from shelfaudit.review.triage import TriageConfig, retriage_open

router = APIRouter(prefix="/v1/rule-sets", tags=["rule sets"])

MAX_RULE_SET_BYTES = 512 * 1024


class RuleSetVersionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rule_set_id: str
    version: int
    status: str
    name: str
    currency: str
    effective_from: date
    effective_to: date | None
    created_by: str
    created_at: datetime
    activated_at: datetime | None


async def rule_set_text(request: Request) -> tuple[str, Syntax]:
    """The body as text, and whether it is JSON (``application/json``) or YAML (else)."""
    body = await request.body()
    if len(body) > MAX_RULE_SET_BYTES:
        raise InvalidInput(f"a rule set is at most {MAX_RULE_SET_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("a rule set is UTF-8 text") from exc
    is_json = request.headers.get("content-type", "").startswith("application/json")
    return text, "json" if is_json else "yaml"


@router.get("", response_model=list[RuleSetVersionPublic])
def get_rule_sets(session: SessionDep, _: AdminOnly) -> list[RuleSetVersionPublic]:
    return [RuleSetVersionPublic.model_validate(row) for row in list_versions(session)]


@router.post(
    "",
    status_code=201,
    response_model=RuleSetVersionPublic,
    openapi_extra={
        "requestBody": {
            "content": {"application/yaml": {"schema": {"type": "string"}}},
            "required": True,
        }
    },
)
def post_rule_set(
    session: SessionDep,
    principal: AdminOnly,
    source: Annotated[tuple[str, Syntax], Depends(rule_set_text)],
) -> RuleSetVersionPublic:
    """Store a new version as a draft (YAML, or JSON with ``Content-Type: application/json``).

    422 with where and what for an invalid rule set; 409 when the version exists.
    """
    text, syntax = source
    row = add_rule_set(session, text=text, syntax=syntax, actor=principal)
    session.commit()
    return RuleSetVersionPublic.model_validate(row)


@router.get("/{rule_set_id}/{version}", response_class=PlainTextResponse)
def get_rule_set_source(
    session: SessionDep, _: AdminOnly, rule_set_id: str, version: Version
) -> PlainTextResponse:
    """The version exactly as uploaded."""
    row = get_version(session, rule_set_id, version)
    media = "application/json" if row.syntax == "json" else "application/yaml"
    return PlainTextResponse(row.source, media_type=media)


@router.post("/{rule_set_id}/{version}/activate", response_model=RuleSetVersionPublic)
def post_activate(
    runtime: RuntimeDep,
    session: SessionDep,
    principal: AdminOnly,
    rule_set_id: str,
    version: Version,
) -> RuleSetVersionPublic:
    """Let a draft pay from its effective date (422 if it overlaps or leaves a gap)."""
    row = activate(session, rule_set_id=rule_set_id, version=version, actor=principal)
    # What is at stake for queued photos depends on the rules in force.
    retriage_open(session, config=TriageConfig.from_settings(runtime.settings))
    session.commit()
    return RuleSetVersionPublic.model_validate(row)


@router.post("/{rule_set_id}/{version}/simulate", response_model=list[RepDiff])
def post_simulate(
    runtime: RuntimeDep,
    session: SessionDep,
    _: AdminOnly,
    rule_set_id: str,
    version: Version,
    period: Annotated[str, Query(max_length=64)],
) -> list[RepDiff]:
    """Per rep: totals under the active versions and under this draft, and changed lines.
    Nothing is paid or stored."""
    parsed = parse_period(period, runtime.settings.business_offset_min)
    return simulate_draft(session, rule_set_id=rule_set_id, version=version, period=parsed)
