"""`make loadtest` runs locust headless against the real server, on both predict routes, and its
summary prints exactly locust's figures; each user mistake stops it with one line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.server_process import free_port, running_server
from tests.test_makefile import run_make

# A row of locust's request table and of its percentile table (names hold spaces and brackets).
LOCUST_ROW = re.compile(
    r"^(?:POST)?\s+(?P<name>\S.*?)\s+(?P<requests>\d+)\s+(?P<failures>\d+)\([\d.]+%\)\s+\|"
    r"\s+\d+\s+\d+\s+\d+\s+\d+\s+\|\s+(?P<rps>[\d.]+)\s+[\d.]+$"
)
PERCENTILE_ROW = re.compile(r"^(?:POST)?\s+(?P<name>\S.*?)(?P<values>(?:\s+\d+){12})$")  # 11 percentiles, # reqs
SUMMARY_ROW = re.compile(
    r"^(?:POST )?(?P<name>\S.*?)\s+(?P<requests>\d+)\s+(?P<failures>\d+)\s+(?P<rps>[\d.]+)"
    r"\s+(?P<p50>\S+)\s+(?P<p95>\S+)\s+(?P<p99>\S+)$"
)
ROUTES = {
    "/predict [1 product]",
    "/predict/category [1 photo]",
    "/predict/category [16 photos]",
}


def make_loadtest(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return run_make(["loadtest", *args], env, timeout=timeout)


def locust_table(output: str) -> dict[str, dict[str, str]]:
    """Locust's own final tables: requests, failures, req/s; then p50, p95, p99."""
    rows: dict[str, dict[str, str]] = {}
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Type") and "# reqs" in line)
    for line in lines[start:]:
        if match := LOCUST_ROW.match(line):
            rows[match["name"]] = {k: match[k] for k in ("requests", "failures", "rps")}
        elif (match := PERCENTILE_ROW.match(line)) and match["name"] in rows:
            values = match["values"].split()
            rows[match["name"]] |= {"p50": values[0], "p95": values[5], "p99": values[7]}
    return rows


def summary_table(stdout: str) -> dict[str, dict[str, str]]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("endpoint"))
    rows = {}
    for line in lines[start + 1 :]:
        if match := SUMMARY_ROW.match(line):
            rows[match["name"]] = {k: v for k, v in match.groupdict().items() if k != "name"}
    return rows


@pytest.mark.slow  # ~11 s: a real server and 8 s of locust
@pytest.mark.usefixtures("fashion_dir")  # the photos for /predict/category
def test_make_loadtest_covers_both_routes_and_summary_equals_locust(tmp_path: Path, env_with_data: dict) -> None:
    out = tmp_path / "reports"
    with running_server(tmp_path) as server:
        result = make_loadtest(
            env_with_data, f"URL={server.url}", "USERS=8", "SPAWN_RATE=8", "DURATION=8s", f"LOADTEST_OUT={out}"
        )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    locust, summary = locust_table(result.stderr), summary_table(result.stdout)
    assert set(locust) >= ROUTES and any(n.startswith("/predict [") and "products]" in n for n in locust), locust
    # Every figure printed equals locust's table, row for row (locust's CSV lags up to a second
    # behind its table unless the final figures are written at exit).
    assert summary == locust, (summary, locust)
    total = summary["Aggregated"]
    assert int(total["requests"]) > 200 and total["failures"] == "0"
    assert int(total["p99"]) > 0 and (out / "report.html").stat().st_size > 1000


@pytest.mark.usefixtures("fashion_dir")  # the photos for /predict/category
def test_make_loadtest_without_server_says_so_before_starting_locust(tmp_path: Path, env_with_data: dict) -> None:
    out = tmp_path / "reports"
    port = free_port()  # nothing listens there
    for args, env in [
        ([f"PORT={port}"], env_with_data),  # the forgotten `make serve`
        ([f"PORT={port}"], {**env_with_data, "HOST": "127.0.0.1"}),  # the server's bind address, not the target
        ([f"URL=http://127.0.0.1:{port}"], env_with_data),
    ]:
        result = make_loadtest(env, *args, f"LOADTEST_OUT={out}", timeout=60)
        assert result.returncode == 2, result.stderr
        errors = [line for line in result.stderr.splitlines() if line.startswith("loadtest:")]
        assert len(errors) == 1 and f"no server answering at http://127.0.0.1:{port}" in errors[0], result.stderr
        assert "make serve" in errors[0] and "URL=" in errors[0]
        assert "Traceback" not in result.stderr and not out.exists()  # locust never started

    result = make_loadtest(env_with_data, f"HOST=http://127.0.0.1:{port}", timeout=60)
    assert result.returncode == 2
    assert f"HOST=http://127.0.0.1:{port} is the server's bind address" in result.stderr
    assert f"URL=http://127.0.0.1:{port}" in result.stderr


def test_make_loadtest_without_data_names_data_dir(tmp_path: Path) -> None:
    env = {**os.environ, "DATA_DIR": str(tmp_path / "no-data")}
    result = make_loadtest(env, f"URL=http://127.0.0.1:{free_port()}", f"LOADTEST_OUT={tmp_path}/out", timeout=60)
    expected = (
        f"loadtest: test products not found at {tmp_path}/no-data/asos/exercise_test.tsv: set DATA_DIR to the "
        "folder holding asos/ and fashion-mnist/ (see README, Data sets)"
    )
    assert result.returncode == 2
    assert [line for line in result.stderr.splitlines() if line.startswith("loadtest:")] == [expected]
    assert "Traceback" not in result.stderr

    # Locust run directly (as a CI job might) says the same in one line.
    direct = subprocess.run(
        [sys.executable, "-m", "locust", "-f", "loadtest/locustfile.py", "--headless", "-t", "1s"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert direct.returncode != 0 and "Traceback" not in direct.stderr
    assert direct.stderr.strip().splitlines() == [expected]


@pytest.mark.usefixtures("fashion_dir")  # the photos for /predict/category
def test_make_loadtest_refuses_a_server_without_the_category_model(tmp_path: Path, env_with_data: dict) -> None:
    artifacts = tmp_path / "artifacts"
    shutil.copytree(ROOT / "artifacts" / "pattern", artifacts / "pattern")
    with running_server(tmp_path, SERVE_ARTIFACT_DIR=str(artifacts)) as server:
        result = make_loadtest(env_with_data, f"URL={server.url}", f"LOADTEST_OUT={tmp_path}/out", timeout=60)
    assert result.returncode == 2
    assert f"loadtest: the server at {server.url} serves no category model" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("fashion_dir")  # the photos for /predict/category
def test_locust_counts_an_unreachable_server_as_failures(tmp_path: Path, env_with_data: dict) -> None:
    """Locust started against nothing (without `make loadtest`'s check): every request is a
    failure naming the connection error, not a TypeError in the locustfile, and the summary says so."""
    prefix = tmp_path / "run"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            "loadtest/locustfile.py",
            "--headless",
            "--host",
            f"http://127.0.0.1:{free_port()}",
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "4s",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],  # fmt: skip
        cwd=ROOT,
        env=env_with_data,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "TypeError" not in result.stderr and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "Connection refused" in result.stderr
    total = summary_table_from_csv(prefix)["Aggregated"]
    assert int(total["requests"]) > 0 and total["failures"] == total["requests"]
    summary = subprocess.run(
        [sys.executable, "-m", "loadtest.summary", f"{prefix}_stats.csv"], cwd=ROOT, capture_output=True, text=True
    )
    assert summary.returncode == 1
    assert f"loadtest: {total['failures']} of {total['requests']} requests failed" in summary.stderr


def summary_table_from_csv(prefix: Path) -> dict[str, dict[str, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "loadtest.summary", f"{prefix}_stats.csv"], cwd=ROOT, capture_output=True, text=True
    )
    return summary_table(result.stdout)
