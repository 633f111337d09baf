"""``shelfaudit users create | list | disable | enable | reset-password``.

They write straight to the database the settings name (migrating the embedded SQLite
first), so the first admin exists before anyone can log in. Every change is on the audit
trail, by ``cli``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from shelfaudit.auth.principal import Principal
from shelfaudit.auth.roles import PERSON_ROLES, Role
from shelfaudit.errors import InvalidInput, NotFound
from shelfaudit.settings import get_settings

users_app = typer.Typer(no_args_is_help=True, help="People who log in to the review UI.")

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
        else:  # an unmigrated one gave "no such table: users" as a traceback
            migrate.check_current(engine)
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def refuse(exc: InvalidInput | NotFound) -> typer.Exit:
    typer.echo(f"error: {exc.message}", err=True)
    return typer.Exit(2)


def committed(
    session: Session,
    *,
    action: str,
    subject: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Put the change on the audit trail, by ``cli``, and commit the two together."""
    from shelfaudit.review import audit

    audit.record(
        session, actor=CLI_ACTOR, action=action, subject=subject, before=before, after=after
    )
    session.commit()


@users_app.command("create")
def create_user_command(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[Role, typer.Option(help=f"one of {', '.join(PERSON_ROLES)}")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a person; the password is asked for (twice) unless --password-stdin."""
    from shelfaudit.auth.accounts import create_user

    password = _read_password(password_stdin)
    try:
        with database() as session:
            user = create_user(session, username=username, password=password, role=role)
            committed(
                session,
                action="user_create",
                subject=f"user {user.username}",
                after={"role": user.role},
            )
    except InvalidInput as exc:
        raise refuse(exc) from exc
    typer.echo(f"created {role.value} {username}", err=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from standard input")
]


@users_app.command("list")
def list_users_command() -> None:
    """Every person: name, role, whether they may log in, since when."""
    from shelfaudit.auth.accounts import list_users

    with database() as session:
        for user in list_users(session):
            state = "active" if user.active else "disabled"
            typer.echo(f"{user.username}\t{user.role}\t{state}\t{user.created_at:%Y-%m-%d}")


def _set_active(username: str, *, active: bool) -> None:
    from shelfaudit.auth.accounts import list_users, set_user_active

    word = "enabled" if active else "disabled"
    try:
        with database() as session:
            user, changed = set_user_active(session, username=username, active=active)
            if changed:
                committed(
                    session,
                    action="user_enable" if active else "user_disable",
                    subject=f"user {user.username}",
                    before={"active": not active},
                    after={"active": active},
                )
            admins = [u for u in list_users(session) if u.active and u.role == Role.admin]
    except (InvalidInput, NotFound) as exc:
        raise refuse(exc) from exc
    typer.echo(f"{username} {word}" if changed else f"{username} was already {word}", err=True)
    if not admins:
        typer.echo(
            "no active admin is left: rule sets, master data and accounts cannot be managed "
            "in the UI until one is (shelfaudit users enable NAME, or users create)",
            err=True,
        )


@users_app.command("disable")
def disable_user_command(username: Annotated[str, typer.Argument()]) -> None:
    """Stop a person logging in (someone who left): their sessions end at once; decisions
    they took stay, under their name."""
    _set_active(username, active=False)


@users_app.command("enable")
def enable_user_command(username: Annotated[str, typer.Argument()]) -> None:
    """Let a disabled person log in again."""
    _set_active(username, active=True)


@users_app.command("reset-password")
def reset_password_command(
    username: Annotated[str, typer.Argument()], password_stdin: PasswordStdin = False
) -> None:
    """Set a new password (asked for twice unless --password-stdin); every session of the
    person ends."""
    from shelfaudit.auth.accounts import set_password

    password = _read_password(password_stdin)
    try:
        with database() as session:
            user = set_password(session, username=username, password=password)
            committed(session, action="user_password_reset", subject=f"user {user.username}")
    except (InvalidInput, NotFound) as exc:
        raise refuse(exc) from exc
    typer.echo(f"new password set for {username}; their sessions ended", err=True)
