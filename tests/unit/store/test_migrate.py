"""Alembic migrations on SQLite: the login throttle's table goes up, down and up again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect

from shelfaudit.store import migrate
from shelfaudit.store.database import make_engine


def downgrade(engine: Engine, revision: str) -> None:
    # The package migrates only upwards; going down is for tests and operators (alembic CLI).
    config = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'migrate.db'}")
    yield engine
    engine.dispose()


def login_failure_indexes(engine: Engine) -> dict[str | None, list[str | None]]:
    return {ix["name"]: ix["column_names"] for ix in inspect(engine).get_indexes("login_failures")}


def test_login_failures_migrate_up_down_and_up_again(engine: Engine) -> None:
    migrate.upgrade(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("login_failures")}
    assert columns == {"id", "username", "client", "at"}
    assert login_failure_indexes(engine) == {
        "ix_login_failures_username": ["username", "at"],
        "ix_login_failures_client": ["client", "at"],
        "ix_login_failures_at": ["at"],
    }

    downgrade(engine, "0104")
    assert "login_failures" not in inspect(engine).get_table_names()
    assert "users" in inspect(engine).get_table_names()

    migrate.upgrade(engine)
    assert "login_failures" in inspect(engine).get_table_names()


def test_periods_with_stored_statements_get_a_run_each_on_upgrade(engine: Engine) -> None:
    from sqlalchemy import text

    migrate.upgrade(engine, "0111")
    with engine.begin() as connection:
        for rep, at in (("R1", "2026-11-01 08:00:00+00:00"), ("R2", "2026-11-01 08:00:01+00:00")):
            connection.execute(
                text(
                    "INSERT INTO payout_statements (rep_id, currency, period_label, "
                    "period_start, period_end, total, held, on_hold, rule_sets, created_by, "
                    "created_at) VALUES (:rep, 'VND', '2026-10', '2026-10-01 00:00:00+00:00', "
                    "'2026-11-01 00:00:00+00:00', '0', '0', '0', '[]', 'lead', :at)"
                ),
                {"rep": rep, "at": at},
            )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        runs = connection.execute(
            text("SELECT period_label, ran_by, statements FROM payout_runs")
        ).all()
    assert [tuple(r) for r in runs] == [("2026-10", "lead", 2)]


def test_runs_that_stored_nothing_are_read_back_from_the_audit_trail(engine: Engine) -> None:
    from sqlalchemy import text

    migrate.upgrade(engine, "0112")
    with engine.begin() as connection:
        for label, at in (
            ("2026-10", "2026-11-01 08:00:00+00:00"),
            ("2026-W45", "2026-11-10 08:00:00+00:00"),
            ("2026-12-01T00:00Z..2026-12-03T00:00Z", "2026-12-03 09:00:00+00:00"),
            ("2026-12-01T00:00Z..2026-12-03T00:00Z", "2026-12-03 10:00:00+00:00"),
            ("not a period", "2026-12-04 10:00:00+00:00"),
        ):
            connection.execute(
                text(
                    "INSERT INTO audit_events (at, actor, actor_role, action, subject, after) "
                    "VALUES (:at, 'lead', 'admin', 'payout_run', :subject, :after)"
                ),
                {"at": at, "subject": f"period {label}", "after": '{"statements": 0}'},
            )
    migrate.upgrade(engine)
    with engine.connect() as connection:
        runs = connection.execute(
            text("SELECT period_label, ran_at FROM payout_runs ORDER BY period_start")
        ).all()
    assert [r[0] for r in runs] == [
        "2026-10",
        "2026-W45",
        "2026-12-01T00:00Z..2026-12-03T00:00Z",
    ]
    assert str(runs[2][1]).startswith("2026-12-03 10:00:00")  # the latest run of the period


def test_a_release_refuses_a_database_that_is_not_at_its_schema(engine: Engine) -> None:
    from shelfaudit.errors import SchemaOutOfDate

    with pytest.raises(SchemaOutOfDate, match="no ShelfAudit schema"):
        migrate.check_current(engine)
    migrate.upgrade(engine, "0108")
    with pytest.raises(SchemaOutOfDate, match="at revision 0108; this release needs"):
        migrate.check_current(engine)
    assert migrate.upgrade(engine) == migrate.head_revision()
    migrate.check_current(engine)


def test_upgrading_to_an_older_revision_is_refused_and_changes_nothing(engine: Engine) -> None:
    from shelfaudit.errors import SchemaOutOfDate

    head = migrate.upgrade(engine)
    with pytest.raises(SchemaOutOfDate, match="forward only"):
        migrate.upgrade(engine, "0108")
    assert migrate.current_revision(engine) == head
