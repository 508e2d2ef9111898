"""Idempotent writes on SQLite and PostgreSQL alike (both speak INSERT ... ON CONFLICT)."""

from __future__ import annotations

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


def upsert(connection: Connection, table: Table, rows: list[dict[str, Any]], key: list[str]) -> None:
    """Insert rows, or update every non-key column of the row with the same key."""
    if not rows:
        return
    statement = _insert(connection, table)
    updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in key and c.name in rows[0]}
    if "scored_at" in table.columns and "scored_at" not in rows[0]:
        updates["scored_at"] = func.now()
    connection.execute(statement.on_conflict_do_update(index_elements=key, set_=updates), rows)
