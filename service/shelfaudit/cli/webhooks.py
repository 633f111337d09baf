"""``shelfaudit webhooks add | list | remove | deliveries``: where photo events are pushed."""

from __future__ import annotations

from typing import Annotated

import typer

from shelfaudit.cli.accounts import CLI_ACTOR, database, refuse
from shelfaudit.errors import InvalidInput, NotFound

webhooks_app = typer.Typer(no_args_is_help=True, help="Webhook endpoints (photo events).")


@webhooks_app.command("add")
def add_webhook_command(
    url: Annotated[str, typer.Argument(help="https://... (http:// outside production)")],
    event: Annotated[
        list[str] | None,
        typer.Option(
            help="photo.analysed, photo.failed, photo.decided or visit.updated; repeat; all if none"
        ),
    ] = None,
    description: Annotated[str | None, typer.Option(help="whose endpoint it is")] = None,
) -> None:
    """Add an endpoint and print its signing secret once."""
    from shelfaudit.notify.endpoints import add_endpoint
    from shelfaudit.settings import Environment, get_settings

    production = get_settings().environment is Environment.production
    try:
        with database() as session:
            endpoint = add_endpoint(
                session,
                url=url,
                events=event,
                description=description,
                actor=CLI_ACTOR,
                require_https=production,
            )
            session.commit()
            secret, endpoint_id, events = endpoint.secret, endpoint.id, endpoint.events
    except InvalidInput as exc:
        raise refuse(exc) from exc
    typer.echo(secret)
    typer.echo(
        f"webhook {endpoint_id} ({', '.join(events)}): the secret above signs every delivery "
        "(ShelfAudit-Signature); shown once, store it now.",
        err=True,
    )


@webhooks_app.command("list")
def list_webhooks_command() -> None:
    """Active endpoints: id, URL, events, description."""
    from shelfaudit.notify.endpoints import list_endpoints

    with database() as session:
        for row in list_endpoints(session):
            typer.echo(f"{row.id}\t{row.url}\t{','.join(row.events)}\t{row.description or ''}")


@webhooks_app.command("remove")
def remove_webhook_command(endpoint_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Stop pushing to an endpoint; deliveries still waiting are marked failed."""
    from shelfaudit.notify.endpoints import remove_endpoint

    try:
        with database() as session:
            remove_endpoint(session, endpoint_id=endpoint_id, actor=CLI_ACTOR)
            session.commit()
    except NotFound as exc:
        raise refuse(exc) from exc
    typer.echo(f"removed webhook {endpoint_id}", err=True)


@webhooks_app.command("deliveries")
def deliveries_command(
    endpoint_id: Annotated[int, typer.Argument(min=1)],
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
) -> None:
    """The endpoint's newest deliveries: id, event, photo, status, attempts, last answer."""
    from shelfaudit.notify.endpoints import deliveries

    try:
        with database() as session:
            for row in deliveries(session, endpoint_id=endpoint_id, limit=limit):
                answer = row.last_error or (str(row.last_status_code or "") or "not sent yet")
                typer.echo(
                    f"{row.id}\t{row.event_type}\t{row.photo_id or ''}\t{row.status}\t"
                    f"{row.attempts}\t{answer}"
                )
    except NotFound as exc:
        raise refuse(exc) from exc
