"""Idempotent writes on SQLite and PostgreSQL alike (both speak INSERT ... ON CONFLICT)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects import postgresql, sqlite

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def _insert(connection: Connection, table: Table) -> Any:
    dialect = connection.dialect.name
    if dialect not in _INSERTS:
        raise ValueError(f"unsupported database {dialect!r}: use SQLite or PostgreSQL")
    return _INSERTS[dialect](table)


def insert_ignoring_existing(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> int:
    """Insert rows whose unique keys are new; returns how many were inserted."""
    if not rows:
        return 0
    # Counted, not taken from rowcount: drivers do not sum it over a batched executemany.
    count = select(func.count()).select_from(table)
    before = connection.execute(count).scalar_one()
    connection.execute(_insert(connection, table).on_conflict_do_nothing(), rows)
    return connection.execute(count).scalar_one() - before


def upsert(
    connection: Connection, table: Table, rows: list[dict[str, Any]], also_set: Mapping[str, Any] | None = None
) -> None:
    """Insert rows, or update the given non-key columns of the row with the same primary key;
    `also_set` adds column expressions to the update (e.g. a timestamp refreshed with `func.now()`)."""
    if not rows:
        return
    key = [c.name for c in table.primary_key.columns]
    statement = _insert(connection, table)
    updates = {name: statement.excluded[name] for name in rows[0] if name not in key} | dict(also_set or {})
    connection.execute(statement.on_conflict_do_update(index_elements=key, set_=updates), rows)
