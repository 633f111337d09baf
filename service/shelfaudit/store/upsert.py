"""INSERT ... ON CONFLICT DO UPDATE for SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(
    session: Session,
    table: Table,
    values: dict[str, Any],
    *,
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``values`` or, when a row with the same ``keys`` exists, update ``update``."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: statement.excluded[name] for name in update},
    )
    session.execute(statement)


def insert_if_absent(
    session: Session, table: Table, values: dict[str, Any], *, keys: Sequence[str]
) -> bool:
    """Insert ``values`` unless a row with the same ``keys`` exists (one statement, so two
    callers racing cannot both insert); whether this call inserted it."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(table.c[keys[0]])  # rowcount is not reliable here across drivers
    )
    return session.execute(statement).first() is not None
