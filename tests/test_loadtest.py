"""The locust load test runs headless against the real server and validates every answer."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT
from tests.server_process import running_server


def test_locust_headless_run_reports_percentiles_and_no_failures(tmp_path: Path, env_with_data: dict) -> None:
    with running_server(tmp_path) as server:
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
                server.url,
                "-u",
                "8",
                "-r",
                "8",
                "-t",
                "6s",
                "--csv",
                str(prefix),
                "--html",
                str(tmp_path / "report.html"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env_with_data,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
    with Path(f"{prefix}_stats.csv").open() as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    total = rows["Aggregated"]
    assert int(total["Request Count"]) > 50 and int(total["Failure Count"]) == 0
    assert "/predict [1 product]" in rows
    assert float(total["99%"]) > 0 and (tmp_path / "report.html").stat().st_size > 1000
    summary = subprocess.run(
        [sys.executable, "-m", "loadtest.summary", f"{prefix}_stats.csv"], cwd=ROOT, capture_output=True, text=True
    )
    assert summary.returncode == 0 and "p99 ms" in summary.stdout
