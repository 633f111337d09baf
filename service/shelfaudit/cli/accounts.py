"""``shelfaudit users create`` and ``shelfaudit apikeys create | revoke``.

They write straight to the database the settings name (migrating the embedded SQLite
first), so the first admin exists before anyone can log in.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.auth.roles import PERSON_ROLES, Role
from shelfaudit.errors import InvalidInput
from shelfaudit.settings import get_settings

users_app = typer.Typer(no_args_is_help=True, help="People who log in to the review UI.")
apikeys_app = typer.Typer(no_args_is_help=True, help="API keys for SFA apps.")

CLI_ACTOR = Principal(name="cli", role=Role.admin)


@contextmanager
def database() -> Iterator[Session]:
    """A session on the configured database; the embedded one is migrated first."""
    from shelfaudit.store import migrate
    from shelfaudit.store.database import make_engine, make_sessionmaker

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    try:
        if settings.database_url is None:
            migrate.upgrade(engine)
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _fail(exc: InvalidInput) -> typer.Exit:
    typer.echo(f"error: {exc.message}", err=True)
    return typer.Exit(2)


@users_app.command("create")
def create_user_command(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[Role, typer.Option(help=f"one of {', '.join(PERSON_ROLES)}")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
) -> None:
    """Create a person; the password is asked for (twice) unless --password-stdin."""
    from shelfaudit.auth.accounts import create_user
    from shelfaudit.review import audit

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        with database() as session:
            user = create_user(session, username=username, password=password, role=role)
            audit.record(
                session,
                actor=CLI_ACTOR,
                action="user_create",
                subject=f"user {user.username}",
                after={"role": user.role},
            )
            session.commit()
    except InvalidInput as exc:
        raise _fail(exc) from exc
    typer.echo(f"created {role.value} {username}", err=True)


@apikeys_app.command("create")
def create_api_key_command(
    name: Annotated[str, typer.Argument(help="which app or installation holds it")],
) -> None:
    """Create an SFA API key and print it once; only its hash is stored."""
    from shelfaudit.auth.accounts import create_api_key
    from shelfaudit.review import audit

    try:
        with database() as session:
            row, key = create_api_key(session, name=name)
            stored = row.name
            audit.record(
                session,
                actor=CLI_ACTOR,
                action="api_key_create",
                subject=f"api key {row.name}",
                after={"role": row.role, "prefix": row.prefix},
            )
            session.commit()
    except InvalidInput as exc:
        raise _fail(exc) from exc
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
    from shelfaudit.review import audit

    try:
        with database() as session:
            row, revoked = revoke_api_key(session, name=name)
            if revoked:
                audit.record(
                    session,
                    actor=CLI_ACTOR,
                    action="api_key_revoke",
                    subject=f"api key {row.name}",
                )
                session.commit()
                typer.echo(f"revoked {name}", err=True)
                return
    except InvalidInput as exc:
        raise _fail(exc) from exc
    # Revoking twice is harmless (the first time stands), but say so.
    assert row.revoked_at is not None
    typer.echo(f"{name} was already revoked on {row.revoked_at:%Y-%m-%d %H:%M} UTC", err=True)
