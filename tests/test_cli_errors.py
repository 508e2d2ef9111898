"""A newcomer's mistakes with `catalog` and gunicorn (those with `python -m training` are in
tests/training/test_cli.py), through the real command lines as a user types them: each is one
line on stderr naming the problem and the fix, no traceback (unless CATALOGUE_DEBUG=1), an
exit status that is not success, and nothing left behind: no run directory, no `runs/latest`
moved, no database file, no artifact."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from tests.command_line import clean_env, described_options, the_error
from tests.conftest import ROOT
from tests.databases import postgres_database

BIN = Path(sys.executable).parent
CATALOG = str(BIN / "catalog")
GUNICORN = str(BIN / "gunicorn")


def catalog(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CATALOG, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


# --- catalog ----------------------------------------------------------------------------------


def test_load_demo_without_data_says_to_set_data_dir(tmp_path: Path) -> None:
    database = tmp_path / "db" / "catalog.db"
    env = clean_env(DATA_DIR=str(tmp_path / "nowhere"), DATABASE_URL=f"sqlite:///{database}")
    result = catalog(["load-demo"], env)
    assert result.returncode == 2
    assert the_error(result.stderr) == (
        f"catalog: error: data file {tmp_path / 'nowhere' / 'asos' / 'exercise_train.tsv'} not found: "
        "set DATA_DIR to the folder holding asos/ (see README)"
    )
    assert not database.parent.exists()  # checked before the database is opened


def test_a_missing_postgres_database_is_named_with_the_password_hidden() -> None:
    with postgres_database() as existing:  # a reachable server (fails when CI=true and there is none)
        name = f"catalog_absent_{uuid.uuid4().hex[:8]}"
        url = make_url(existing).set(database=name, password="s3cret")
        env = clean_env(DATABASE_URL=url.render_as_string(hide_password=False))
        result = catalog(["init"], env)
    assert result.returncode == 2
    shown = url.render_as_string(hide_password=True)
    user = f" -U {url.username}" if url.username else ""
    create = f"createdb -h {url.host or 'localhost'} -p {url.port or 5432}{user} {name}"
    assert the_error(result.stderr) == (
        f"catalog: error: database '{name}' does not exist at {shown}: create it ({create}) "
        "or set DATABASE_URL to an existing database"
    )
    assert "s3cret" not in result.stderr and "***" in shown


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_postgres_urls_without_the_driver_are_accepted(scheme: str) -> None:
    with postgres_database() as url:
        plain = url.replace("postgresql+psycopg://", f"{scheme}://", 1)
        assert plain.startswith(f"{scheme}://")
        result = catalog(["init"], clean_env(DATABASE_URL=plain))
        assert result.returncode == 0, result.stderr
        assert result.stderr.startswith("schema ready in postgresql+psycopg://")
        engine = create_engine(url)
        tables = set(inspect(engine).get_table_names())
        engine.dispose()
    assert {"product", "image", "product_description", "product_prediction"} <= tables


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+psycopg2://me:s3cret@db:5432/shop",
            "DATABASE_URL postgresql+psycopg2://me:***@db:5432/shop asks for the driver 'psycopg2', which is not "
            "installed: write postgresql+psycopg://... (psycopg 3)",
        ),
        (
            "mysql://me:s3cret@db/shop",
            "DATABASE_URL mysql://me:***@db/shop names 'mysql': the catalogue runs on SQLite or PostgreSQL, write "
            "sqlite:///path/to/catalog.db or postgresql+psycopg://user:password@host:5432/dbname",
        ),
        (
            "localhost:5432/shop",
            "DATABASE_URL 'localhost:5432/shop' is not a database URL: write sqlite:///path/to/catalog.db or "
            "postgresql+psycopg://user:password@host:5432/dbname",
        ),
    ],
)
def test_urls_that_cannot_work_say_what_to_write(url: str, expected: str) -> None:
    result = catalog(["init"], clean_env(DATABASE_URL=url))
    assert result.returncode == 2
    assert the_error(result.stderr) == f"catalog: error: {expected}"
    assert "s3cret" not in result.stderr


def test_an_unreachable_server_says_to_start_it() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = catalog(["init"], clean_env(DATABASE_URL=f"postgresql+psycopg://postgres:s3cret@127.0.0.1:{port}/shop"))
    assert result.returncode == 2
    error = the_error(result.stderr)
    assert error.startswith(
        f"catalog: error: cannot connect to postgresql+psycopg://postgres:***@127.0.0.1:{port}/shop: "
    )
    assert error.endswith(": start PostgreSQL, or fix the host and port in DATABASE_URL")


@pytest.mark.parametrize("command", [["extract"], ["score", "--no-progress"]])
def test_commands_before_init_say_to_run_init(command: list[str]) -> None:
    with postgres_database() as url:
        result = catalog(command, clean_env(DATABASE_URL=url))
    assert result.returncode == 2
    shown = make_url(url).render_as_string(hide_password=True)
    assert the_error(result.stderr) == (
        f"catalog: error: the catalogue tables are missing in {shown}: run `catalog init` and `catalog load-demo` first"
    )


def test_score_without_a_model_says_where_one_comes_from(tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'catalog.db'}")
    assert catalog(["init"], env).returncode == 0
    result = catalog(["score", "--artifact-dir", str(tmp_path / "nowhere")], env)
    assert result.returncode == 2
    assert the_error(result.stderr) == (
        f"catalog: error: no model to score with: {tmp_path / 'nowhere'}: no metadata.json: pass --model the name "
        "of a model directory under artifacts/ (pattern, category) or --artifact-dir an exported model "
        "(`make export` writes one)"
    )


@pytest.mark.parametrize(
    ("command", "module"),
    [(["catalog", sub], "catalog.cli") for sub in ("init", "load-demo", "extract", "score")],
)
def test_every_option_is_described_in_help(command: list[str], module: str) -> None:
    import importlib

    parser = importlib.import_module(module)._parser()
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    options = {o for action in subparsers.choices[command[-1]]._actions for o in action.option_strings}
    argv = [CATALOG, command[1]] if command[0] == "catalog" else [sys.executable, *command[1:]]
    result = subprocess.run(
        [*argv, "--help"], cwd=ROOT, env=clean_env(COLUMNS="100"), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    described = described_options(result.stdout)
    assert set(described) == options
    assert all(len(text) > 10 for text in described.values()), described


# --- gunicorn (make serve) --------------------------------------------------------------------


@pytest.mark.parametrize("workers", ["zero", "0", "-2", "2.5"])
def test_workers_must_be_a_positive_whole_number(workers: str) -> None:
    env = clean_env(WORKERS=workers, HOST="127.0.0.1", PORT="0")
    result = subprocess.run(
        [GUNICORN, "-c", "python:server.gunicorn_conf", "server.app:create_server()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    cores = os.cpu_count() or 1
    assert the_error(result.stderr) == (
        f"Error: WORKERS={workers!r} is not a number of worker processes: set WORKERS to a whole number >= 1 "
        f"(e.g. WORKERS=2), or leave it unset for one per core ({cores} here)"
    )
