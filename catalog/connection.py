"""The database connection. `DATABASE_URL` selects the database; without it, a SQLite file in ./data.

SQLite and PostgreSQL (through psycopg 3) are supported; `postgres://` and `postgresql://`
URLs are read as `postgresql+psycopg://`. A URL that cannot work, or a database that cannot
be reached, is a CatalogError: one line naming the URL (password hidden) and the fix."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from catalog.errors import CatalogError

DEFAULT_SQLITE = Path("data") / "catalog.db"
URL_FORMS = "sqlite:///path/to/catalog.db or postgresql+psycopg://user:password@host:5432/dbname"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"


def parse_url(url: str) -> URL:
    """The URL the engine gets: PostgreSQL always through psycopg 3 (the driver installed),
    any other database or driver refused with what to write instead."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise CatalogError(f"DATABASE_URL {_mask(url)!r} is not a database URL: write {URL_FORMS}") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        if driver not in ("", "psycopg"):
            raise CatalogError(
                f"DATABASE_URL {safe_url(parsed)} asks for the driver {driver!r}, which is not installed: "
                f"write postgresql+psycopg://... (psycopg 3)"
            )
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed
    raise CatalogError(
        f"DATABASE_URL {safe_url(parsed)} names {parsed.drivername!r}: the catalogue runs on SQLite or PostgreSQL, "
        f"write {URL_FORMS}"
    )


def safe_url(url: str | URL | None = None) -> str:
    """The URL with its password hidden, for messages."""
    url = database_url() if url is None else url
    try:
        return (make_url(url) if isinstance(url, str) else url).render_as_string(hide_password=True)
    except ArgumentError:
        return _mask(str(url))


def _mask(url: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def make_engine(url: str | None = None) -> Engine:
    parsed = parse_url(url or database_url())
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        folder = Path(parsed.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(
                f"cannot create {folder} for the SQLite database of {safe_url(parsed)}: {exc.strerror}: "
                "fix the path in DATABASE_URL"
            ) from exc
    engine = create_engine(parsed)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection, _record) -> None:  # noqa: ANN001 - DBAPI connection
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    # WAL: the scorer streams products on one connection while committing on another;
    # in SQLite's default journal mode the open reader would block the writer's commit.
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def explain(exc: DBAPIError, url: str | URL | None = None) -> str:
    """One line for a database error: what went wrong where (password hidden), and what to do."""
    parsed = parse_url(url) if isinstance(url, str) else (url or parse_url(database_url()))
    where = safe_url(parsed)
    reason = str(exc.orig).strip()
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if re.search(r'database "[^"]*" does not exist', reason):
        create = f"createdb -h {parsed.host or 'localhost'} -p {parsed.port or 5432}"
        create += f" -U {parsed.username} {parsed.database}" if parsed.username else f" {parsed.database}"
        return (
            f"database {parsed.database!r} does not exist at {where}: create it ({create}) "
            "or set DATABASE_URL to an existing database"
        )
    if re.search(r'role "[^"]*" does not exist', reason):
        return f"user {parsed.username!r} does not exist on the server of {where}: fix the user in DATABASE_URL"
    if "password authentication failed" in reason or "no password supplied" in reason:
        return f"authentication failed for {where}: fix the user or password in DATABASE_URL"
    if sqlstate == "42P01" or "no such table" in reason:
        return f"the catalogue tables are missing in {where}: run `catalog init` and `catalog load-demo` first"
    if "unable to open database file" in reason:
        return f"cannot open the SQLite database of {where}: check its path in DATABASE_URL and its folder's rights"
    if isinstance(exc, OperationalError) and re.search(r"connect|resolve host|time(d )?out", reason, re.IGNORECASE):
        first = reason.splitlines()[0].removeprefix("connection failed: ")
        return f"cannot connect to {where}: {first}: start PostgreSQL, or fix the host and port in DATABASE_URL"
    first = reason.splitlines()[0] if reason else type(exc.orig).__name__
    return f"database error at {where}: {first}"
