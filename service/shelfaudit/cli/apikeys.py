"""``shelfaudit apikeys create | list | revoke``: the keys SFA apps send."""

from __future__ import annotations

from typing import Annotated

import typer

from shelfaudit.cli.accounts import committed, database, refuse
from shelfaudit.errors import InvalidInput

apikeys_app = typer.Typer(no_args_is_help=True, help="API keys for SFA apps.")


@apikeys_app.command("create")
def create_api_key_command(
    name: Annotated[str, typer.Argument(help="which app or installation holds it")],
) -> None:
    """Create an SFA API key and print it once; only its hash is stored."""
    from shelfaudit.auth.accounts import create_api_key

    try:
        with database() as session:
            row, key = create_api_key(session, name=name)
            stored = row.name
            committed(
                session,
                action="api_key_create",
                subject=f"api key {row.name}",
                after={"role": row.role, "prefix": row.prefix},
            )
    except InvalidInput as exc:
        raise refuse(exc) from exc
    typer.echo(key)
    typer.echo(
        f"API key {stored!r} (role sfa): shown once, store it now. "
        "Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`.",
        err=True,
    )


@apikeys_app.command("revoke")
def revoke_api_key_command(name: Annotated[str, typer.Argument()]) -> None:
    """Revoke a key at once; requests with it get 401 from then on."""
    from shelfaudit.auth.accounts import revoke_api_key

    try:
        with database() as session:
            row, revoked = revoke_api_key(session, name=name)
            if revoked:
                committed(session, action="api_key_revoke", subject=f"api key {row.name}")
                typer.echo(f"revoked {name}", err=True)
                return
    except InvalidInput as exc:
        raise refuse(exc) from exc
    # Revoking twice is harmless (the first time stands), but say so.
    assert row.revoked_at is not None
    typer.echo(f"{name} was already revoked on {row.revoked_at:%Y-%m-%d %H:%M} UTC", err=True)


@apikeys_app.command("list")
def list_api_keys_command() -> None:
    """Every key: name, role, the prefix a key starts with (to tell which one an app holds),
    created, and revoked when it was."""
    from shelfaudit.auth.accounts import list_api_keys

    with database() as session:
        for row in list_api_keys(session):
            revoked = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            typer.echo(
                f"{row.name}\t{row.role}\t{row.prefix}...\t{row.created_at:%Y-%m-%d}\t{revoked}"
            )
