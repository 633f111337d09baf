"""``shelfaudit activities add | list``: the activities photos and display standards belong to.

``add`` creates or replaces an activity, as ``PUT /v1/activities/{id}`` does, on the database
the settings name (migrating the embedded SQLite first).
"""

from __future__ import annotations

import json
import re
from typing import Annotated

import typer
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from shelfaudit.cli.accounts import database

activities_app = typer.Typer(no_args_is_help=True, help="Activities (campaigns) photos belong to.")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


@activities_app.command("add")
def add_command(
    activity_id: Annotated[str, typer.Argument(help="the activity id, e.g. dairy-2026")],
    name: Annotated[str, typer.Option("--name", help="what reps and approvers call it")],
    brand: Annotated[str | None, typer.Option("--brand")] = None,
    valid_from: Annotated[
        str | None, typer.Option("--valid-from", help="ISO 8601 with offset")
    ] = None,
    valid_to: Annotated[str | None, typer.Option("--valid-to", help="ISO 8601 with offset")] = None,
) -> None:
    """Create the activity ID, or replace its fields; prints it as JSON."""
    from shelfaudit.store.master_data import (
        ROW_ID_MAX_LENGTH,
        ROW_ID_PATTERN,
        Activity,
        ActivityIn,
        ActivityPublic,
        put_row,
    )

    if len(activity_id) > ROW_ID_MAX_LENGTH or not re.fullmatch(ROW_ID_PATTERN, activity_id):
        raise _fail(
            f"activity id {activity_id!r}: letters, digits and . _ : - only, "
            f"at most {ROW_ID_MAX_LENGTH} characters"
        )
    try:
        data = ActivityIn.model_validate(
            {"name": name, "brand": brand, "valid_from": valid_from, "valid_to": valid_to}
        )
    except ValidationError as exc:
        raise _fail("; ".join(_where(e) + e["msg"] for e in exc.errors())) from exc
    with database() as session:
        row = put_row(session, Activity, row_id=activity_id, data=data).row
        public = ActivityPublic.model_validate(row)
        session.commit()
    typer.echo(public.model_dump_json())


@activities_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per activity")] = False,
) -> None:
    """Every activity, by id."""
    from shelfaudit.store.master_data import Activity, ActivityPublic, list_rows

    with database() as session:
        rows = [ActivityPublic.model_validate(r) for r in list_rows(session, Activity)]
    for activity in rows:
        if as_json:
            typer.echo(json.dumps(activity.model_dump(mode="json")))
        else:
            ends = (activity.valid_from, activity.valid_to)
            period = " – ".join(d.isoformat() if d else "…" for d in ends) if any(ends) else "-"
            typer.echo(f"{activity.id}\t{activity.name}\t{activity.brand or '-'}\t{period}")


def _where(error: ErrorDetails) -> str:
    """``--valid-from: `` for a field's error; nothing for the model's own (the period)."""
    loc = error["loc"]
    return f"--{str(loc[0]).replace('_', '-')}: " if loc else ""
