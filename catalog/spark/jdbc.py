"""How Spark reads the catalogue: the SQLAlchemy DATABASE_URL as a JDBC URL and properties, and
the scorer's selection as a literal subquery Spark can partition by product_id."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL, make_url

from catalog.errors import CatalogError

# Debian's libpostgresql-jdbc-java puts the driver here; CATALOG_JDBC_JAR or --jdbc-jar elsewhere.
DEBIAN_JDBC_JAR = Path("/usr/share/java/postgresql.jar")


@dataclass(frozen=True)
class JdbcSource:
    url: str  # jdbc:postgresql://host:port/database
    properties: dict[str, str]  # user, password, driver

    @classmethod
    def of(cls, database_url: URL | str) -> JdbcSource:
        url = make_url(database_url)
        if url.get_backend_name() != "postgresql":
            raise CatalogError(
                f"--engine spark reads the catalogue over JDBC from PostgreSQL, not {url.get_backend_name()}: "
                "set DATABASE_URL to a PostgreSQL database, or score with the local engine"
            )
        properties = {"driver": "org.postgresql.Driver", "user": url.username or os.environ.get("USER", "postgres")}
        if url.password:
            properties["password"] = str(url.password)
        return cls(f"jdbc:postgresql://{url.host or 'localhost'}:{url.port or 5432}/{url.database}", properties)


def jdbc_jar(given: Path | None) -> Path:
    """The PostgreSQL JDBC driver the Spark session loads."""
    jar = given or Path(os.environ.get("CATALOG_JDBC_JAR", DEBIAN_JDBC_JAR))
    if not jar.is_file():
        raise CatalogError(
            f"no PostgreSQL JDBC driver at {jar}: install Debian's libpostgresql-jdbc-java "
            "(apt-get install libpostgresql-jdbc-java) or pass --jdbc-jar the driver's .jar"
        )
    return jar


def literal_subquery(sql: str, params: dict[str, Any], alias: str) -> str:
    """`(<sql with the parameters written in>) AS alias`: Spark's JDBC reader takes a table
    expression, not bound parameters. Values are quoted by SQLAlchemy's PostgreSQL dialect."""
    statement = text(sql).bindparams(**params)
    compiled = statement.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True})
    return f"({compiled}) AS {alias}"
