"""`python -m benchmarks.text_models` measures every text model of the repository, and only those."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_every_text_model_is_measured(data_dir) -> None:
    env = {**os.environ, "DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.text_models"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    rows = [line.split("|") for line in result.stdout.splitlines()[2:]]
    assert [row[1].strip() for row in rows] == ["pattern", "pattern-challenger"]  # not the image model
    assert all(float(cost) > 0 for row in rows for cost in row[3:5])
