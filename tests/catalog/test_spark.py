"""`catalog score --engine spark`: PySpark in local mode on a real PostgreSQL, reading over JDBC
(Debian's driver), leaves exactly the rows the local engine leaves, for the pattern model on the
demo catalogue and for the category model on photos from a loopback image host; it resumes
where a run stopped; its mistakes are one line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from catalog.connection import make_engine
from catalog.schema import product_prediction, scoring_failure
from tests.catalog.photo_site import PhotoSite, photo_site
from tests.catalog.test_photos import FAST_ARGS, _bad_urls, _fill, photos  # noqa: F401 - photos is a fixture
from tests.catalog.test_scoring import TOTAL_PRODUCTS, catalog
from tests.databases import database_url

SPARK = ["--engine", "spark", "--spark-master", "local[2]", "--partitions", "3"]


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[str]:
    with database_url("postgresql", tmp_path) as url:
        yield url


@pytest.fixture
def site(photos: dict[str, bytes]) -> Iterator[PhotoSite]:  # noqa: F811
    with photo_site(photos) as running:
        yield running


def _table(url: str, table) -> dict:  # noqa: ANN001
    """Rows by product, without the time they were written."""
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(table)).mappings().all()
    engine.dispose()
    when = {"scored_at", "failed_at"}
    return {row["product_id"]: {k: v for k, v in row.items() if k not in when} for row in rows}


def _forget(url: str, table, above: int) -> int:  # noqa: ANN001
    engine = make_engine(url)
    with engine.begin() as connection:
        forgotten = connection.execute(delete(table).where(table.c.product_id > above)).rowcount
    engine.dispose()
    return forgotten


@pytest.mark.slow  # a Spark session (~20 s)
def test_pattern_rows_equal_the_local_engines_and_a_stopped_run_resumes(postgres: str, env_with_data: dict) -> None:
    env = {**env_with_data, "DATABASE_URL": postgres}
    assert catalog(["load-demo"], env).returncode == 0
    local = catalog(["score", "--no-progress"], env)
    assert f"scored {TOTAL_PRODUCTS} products" in local.stderr
    expected = _table(postgres, product_prediction)
    median = sorted(expected)[len(expected) // 2]
    forgotten = _forget(postgres, product_prediction, median)  # as if a run had stopped there

    spark = catalog(["score", *SPARK, "--chunk-size", "200", "--no-progress"], env)
    assert spark.returncode == 0, spark.stderr[-3000:]
    assert f"scored {forgotten} products with pattern" in spark.stderr.splitlines()[-1]
    assert _table(postgres, product_prediction) == expected  # labels and probabilities to the last bit
    again = catalog(["score", *SPARK], env)
    assert "scored 0 products" in again.stderr


@pytest.mark.slow  # a Spark session and a local run over the image host
def test_category_rows_and_failures_equal_the_local_engines(
    postgres: str,
    site: PhotoSite,
    photos: dict[str, bytes],  # noqa: F811
    tmp_path: Path,
    env_with_data: dict,
) -> None:
    good = _fill(postgres, site, photos, tmp_path)
    env = {**env_with_data, "DATABASE_URL": postgres}
    args = ["score", "--model", "category", "--chunk-size", "8", *FAST_ARGS]
    assert catalog(args, env).returncode == 0
    local = _table(postgres, product_prediction), _table(postgres, scoring_failure)
    _forget(postgres, product_prediction, -1)
    _forget(postgres, scoring_failure, -1)
    site.requests.clear()

    spark = catalog([*args, *SPARK], env)
    assert spark.returncode == 0, spark.stderr[-3000:]
    summary = spark.stderr.splitlines()[-1]
    assert f"scored {len(good)} products with category" in summary
    assert f"{len(_bad_urls(site, tmp_path))} could not be scored" in summary
    assert (_table(postgres, product_prediction), _table(postgres, scoring_failure)) == local
    assert site.requests["/p/1.png"] >= 1  # fetched by the executors


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--pause", "1"], "--pause throttles the local engine"),
        (["--jdbc-jar", "/nowhere/postgresql.jar"], "no PostgreSQL JDBC driver at /nowhere/postgresql.jar"),
    ],
)
def test_spark_mistakes_are_one_line(postgres: str, env_with_data: dict, args: list[str], says: str) -> None:
    env = {**env_with_data, "DATABASE_URL": postgres}
    assert catalog(["init"], env).returncode == 0
    done = catalog(["score", "--engine", "spark", *args], env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and says in done.stderr, done.stderr


def test_spark_needs_postgresql(tmp_path: Path, env_with_data: dict) -> None:
    env = {**env_with_data, "DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}"}
    assert catalog(["init"], env).returncode == 0
    done = catalog(["score", "--engine", "spark"], env)
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "reads the catalogue over JDBC from PostgreSQL, not sqlite" in done.stderr


def test_the_file_spark_submit_runs_is_the_command() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    done = subprocess.run(
        [sys.executable, str(ROOT / "catalog" / "__main__.py"), "score", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "--engine {local,spark}" in done.stdout
