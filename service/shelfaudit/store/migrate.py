"""Run Alembic migrations programmatically (``shelfaudit db upgrade`` and embedded start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from shelfaudit.errors import SchemaOutOfDate

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _order(config: Config) -> list[str]:
    """Every revision id, oldest first (the migrations form one line)."""
    script = ScriptDirectory.from_config(config)
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    return _order(alembic_config("sqlite://"))[-1]


def check_current(engine: Engine) -> None:
    """``SchemaOutOfDate`` unless the database is at this release's newest revision: a
    release started on an older schema answered its health check, then 500 on the tables
    it lacked."""
    found, head = current_revision(engine), head_revision()
    if found == head:
        return
    if found is None:
        raise SchemaOutOfDate(
            f"the database has no ShelfAudit schema: run `shelfaudit db upgrade` (to {head})"
        )
    if found not in _order(alembic_config("sqlite://")):
        raise SchemaOutOfDate(
            f"the database is at revision {found}, which this release does not know (it "
            f"ends at {head}): a newer release migrated it; run that release"
        )
    raise SchemaOutOfDate(
        f"the database is at revision {found}; this release needs {head}: run "
        "`shelfaudit db upgrade` first"
    )


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Bring the database to ``revision`` (safe to call on every start); returns the
    revision it is at. Going back is refused (``SchemaOutOfDate``): migrations run forward
    only, and an older release is restored from a backup of its own database."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    order = _order(config)
    found = current_revision(engine)
    behind = revision in order and found in order and order.index(revision) < order.index(found)
    if revision != "head" and behind:
        raise SchemaOutOfDate(
            f"the database is at {found}, after {revision}: migrations run forward only "
            "(restore a backup taken before the upgrade to go back)"
        )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return current_revision(engine)
