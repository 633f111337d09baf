"""``shelfaudit standards publish | show``: activities' display standards from the command line.

``publish`` stores a version through the same function as ``PUT /v1/activities/{id}/standard``
(same size limit, validation and version rules); photos analysed from then on are scored
against the newest version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from shelfaudit.cli.accounts import CLI_ACTOR, database
from shelfaudit.cli.files import read_file
from shelfaudit.errors import InvalidInput, NotFound

standards_app = typer.Typer(no_args_is_help=True, help="Display standards of activities.")

ActivityOption = Annotated[str, typer.Option("--activity", help="activity id")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def missing_activity_hint(activity_id: str) -> str:
    return f"create it first: shelfaudit activities add {activity_id} --name NAME"


@standards_app.command("publish")
def publish_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="the standard, YAML or JSON")
    ],
    activity: ActivityOption,
) -> None:
    """Publish the version FILE declares for the activity; prints the stored version as JSON.

    The same file again changes nothing; other content under a published version is refused.
    """
    from shelfaudit.analyse.detect import vocabulary
    from shelfaudit.ml.registry import Registry
    from shelfaudit.settings import get_settings
    from shelfaudit.store.standards import (
        MAX_STANDARD_BYTES,
        StandardVersionPublic,
        put_standard,
        standard_source,
    )

    try:
        source = standard_source(read_file(file, limit=MAX_STANDARD_BYTES))
        with database() as session:
            row = put_standard(
                session,
                activity_id=activity,
                source=source,
                actor=CLI_ACTOR.name,
                vocabulary=vocabulary(Registry.load(get_settings().models_dir)),
            )
            stored = StandardVersionPublic.model_validate(row)
            session.commit()
    except NotFound as exc:
        raise _fail(f"{exc.message}: {missing_activity_hint(activity)}") from exc
    except InvalidInput as exc:
        raise _fail(f"{file.name}: {exc.message}") from exc
    typer.echo(stored.model_dump_json())


@standards_app.command("show")
def show_command(
    activity: ActivityOption,
    as_json: Annotated[
        bool, typer.Option("--json", help="the version and the parsed standard as JSON")
    ] = False,
) -> None:
    """The activity's newest standard: its source as published, or JSON with --json."""
    from shelfaudit.scoring import load_stored_standard
    from shelfaudit.store.standards import StandardVersionPublic, latest_row
    from shelfaudit.store.tables import Activity

    with database() as session:
        if session.get(Activity, activity) is None:
            raise _fail(f"activity {activity!r} does not exist: {missing_activity_hint(activity)}")
        row = latest_row(session, activity)
        if row is None:
            raise _fail(
                f"activity {activity!r} has no display standard: "
                f"shelfaudit standards publish FILE.yaml --activity {activity}"
            )
        stored = StandardVersionPublic.model_validate(row)
        source = row.source
    if as_json:
        parsed = load_stored_standard(source).model_dump(mode="json")
        typer.echo(json.dumps({**stored.model_dump(mode="json"), "standard": parsed}))
        return
    typer.echo(
        f"# {stored.activity_id}: {stored.standard_id} version {stored.version}, "
        f"published by {stored.created_by} at {stored.created_at.isoformat()}",
        err=True,
    )
    typer.echo(source, nl=not source.endswith("\n"))
