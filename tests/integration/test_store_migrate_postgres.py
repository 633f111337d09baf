"""Alembic migrations on a real PostgreSQL: up to head, down to base, and up again."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from shelfaudit.store import migrate
from shelfaudit.store.database import make_engine
from shelfaudit.store.tables import Base
from tests.integration.servers import PostgresServer

pytestmark = pytest.mark.postgres

TABLES = {"stores", "reps", "activities", "photos", "photo_hashes", "analyses", "login_failures"}


def downgrade(engine: Engine, revision: str) -> None:
    # The package migrates only upwards; going down is for tests and operators (alembic CLI).
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrations_upgrade_to_head_and_downgrade_to_base(postgres_server: PostgresServer) -> None:
    engine = make_engine(postgres_server.create_database())
    try:
        migrate.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert current_revision(engine) == head_revision(engine)

        migrate.upgrade(engine)  # safe on every start
        downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        assert current_revision(engine) is None

        migrate.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_table_definitions(
    postgres_server: PostgresServer,
) -> None:
    engine = make_engine(postgres_server.create_database())
    try:
        migrate.upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
