"""The brief's extraction query: one definition, `sql/extract_products.sql`, used as is."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from typing import Any

from sqlalchemy import Connection, Engine, Executable, text
from sqlalchemy.engine import CursorResult, RowMapping

EXTRACT_SQL = files("catalog").joinpath("sql/extract_products.sql").read_text()
EXTRACT = text(EXTRACT_SQL)


def stream(connection: Connection, statement: Executable, params: dict[str, Any], chunk_size: int) -> CursorResult:
    """Execute with a server-side cursor (a plain cursor on SQLite), fetching chunk_size rows at a time."""
    if connection.dialect.name == "postgresql":
        # PostgreSQL plans a cursor for its first 10% of rows; these reads take every row, and
        # the scorer's anti-join ran 35x slower with the default (0.45 s vs 0.013 s, 4k products).
        connection.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
    return connection.execution_options(stream_results=True, yield_per=chunk_size).execute(statement, params)


def extract_products(engine: Engine, country_code: str = "us", chunk_size: int = 1000) -> Iterator[RowMapping]:
    """The query's rows, streamed."""
    with engine.connect() as connection:
        yield from stream(connection, EXTRACT, {"country_code": country_code.lower()}, chunk_size).mappings()
