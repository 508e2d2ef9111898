"""`catalog` end to end through its console script, on SQLite and a real PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import func, select

from catalog.connection import make_engine
from catalog.schema import product, product_prediction
from tests.conftest import ROOT
from tests.databases import database_url
from tests.server_process import running_server

CATALOG = str(Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "catalog")
TOTAL_PRODUCTS = 4002  # train 3049 + test 953


def catalog(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CATALOG, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, **kwargs)


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_env(request: pytest.FixtureRequest, tmp_path: Path, env_with_data: dict) -> Iterator[dict[str, str]]:
    with database_url(request.param, tmp_path) as url:
        env = {**env_with_data, "DATABASE_URL": url}
        assert catalog(["init"], env).returncode == 0
        loaded = catalog(["load-demo"], env)
        assert loaded.returncode == 0, loaded.stderr
        assert f"inserted {TOTAL_PRODUCTS} products, 16008 images, {TOTAL_PRODUCTS} descriptions" in loaded.stderr
        yield env


def _predictions(url: str) -> dict[int, str]:
    engine = make_engine(url)
    with engine.connect() as c:
        rows = c.execute(select(product_prediction.c.product_id, product_prediction.c.label)).all()
    engine.dispose()
    return dict(rows)


def _count(url: str, table) -> int:  # noqa: ANN001
    engine = make_engine(url)
    with engine.connect() as c:
        n = c.execute(select(func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return n


def test_load_demo_is_idempotent_and_extract_streams_json_lines(demo_env: dict) -> None:
    again = catalog(["load-demo"], demo_env)
    assert "inserted 0 products, 0 images, 0 descriptions" in again.stderr
    out = catalog(["extract", "--country", "us"], demo_env)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == TOTAL_PRODUCTS and _count(demo_env["DATABASE_URL"], product) == TOTAL_PRODUCTS
    assert set(rows[0]) == {"product_id", "title", "image_url", "description"}
    data = Path(demo_env["DATA_DIR"]) / "asos"
    tsv = pd.concat([pd.read_table(data / "exercise_train.tsv"), pd.read_table(data / "exercise_test.tsv")])
    expected = dict(
        zip(tsv["productId"], zip(tsv["name"], tsv["imageURL1"], tsv["description"], strict=True), strict=True)
    )
    assert {r["product_id"]: (r["title"], r["image_url"], r["description"]) for r in rows} == expected


@pytest.mark.slow  # ~7 s per database: load-demo, a server, a full scoring run
def test_score_matches_the_servers_answers_and_does_no_duplicate_work(demo_env: dict, tmp_path: Path) -> None:
    first = catalog(["score", "--no-progress"], demo_env)
    assert first.returncode == 0, first.stderr
    assert f"scored {TOTAL_PRODUCTS} products" in first.stderr and "products/s" in first.stderr
    again = catalog(["score", "--no-progress"], demo_env)
    assert "scored 0 products" in again.stderr
    url = demo_env["DATABASE_URL"]
    scored = _predictions(url)
    assert len(scored) == TOTAL_PRODUCTS == _count(url, product_prediction)

    rows = [json.loads(line) for line in catalog(["extract"], demo_env).stdout.splitlines()][:400]
    body = [{"name": r["title"], "description": r["description"] or "", "product_id": r["product_id"]} for r in rows]
    with running_server(tmp_path) as server:
        answer = httpx.post(server.url + "/predict", json=body, timeout=30).json()
    assert {a["product_id"]: a["pattern"] for a in answer} == {r["product_id"]: scored[r["product_id"]] for r in rows}


def test_a_killed_run_resumes_and_scores_every_product_exactly_once(demo_env: dict) -> None:
    url = demo_env["DATABASE_URL"]
    slow = subprocess.Popen(
        [CATALOG, "score", "--no-progress", "--chunk-size", "100", "--pause", "0.3"],
        cwd=ROOT,
        env=demo_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _count(url, product_prediction) < 300 and time.monotonic() < deadline:
        time.sleep(0.1)
    slow.send_signal(signal.SIGKILL)
    slow.wait()
    before = _count(url, product_prediction)
    assert 0 < before < TOTAL_PRODUCTS and before % 100 == 0  # whole chunks only

    resumed = catalog(["score", "--no-progress", "--chunk-size", "100"], demo_env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"scored {TOTAL_PRODUCTS - before} products" in resumed.stderr
    assert _count(url, product_prediction) == TOTAL_PRODUCTS
    assert len(_predictions(url)) == TOTAL_PRODUCTS
