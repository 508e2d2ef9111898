"""The Makefile as a newcomer meets it: `make` lists every target, CI's commands are unchanged,
`make report` and `make drift` refuse mistakes in one line, and `make drift` says which exit code
the drift command returned (make itself can only exit 2)."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT

MAKEFILE = ROOT / "Makefile"
# An outer `make test NAME=value` passes its variables down through these: not to our makes.
OUTER_MAKE = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")


def run_make(
    args: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in (os.environ if env is None else env).items() if k not in OUTER_MAKE}
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(MAKEFILE), *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def own_lines(stderr: str) -> list[str]:
    """stderr without make's own `make: *** [...] Error N` line."""
    return [line for line in stderr.splitlines() if not line.startswith("make: ***")]


def makefile_targets() -> list[str]:
    text = MAKEFILE.read_text()
    phony = re.search(r"^\.PHONY:(.*)$", text, re.M)
    assert phony
    rules = re.findall(r"^([a-z][a-z-]*):", text, re.M)
    assert sorted(phony[1].split()) == sorted(rules), "every target is .PHONY and every .PHONY a target"
    return rules


def test_bare_make_is_help_listing_every_target_once() -> None:
    bare, help_ = run_make([]), run_make(["help"])
    assert bare.returncode == 0 and bare.stdout == help_.stdout and bare.stderr == ""
    listed = [line.split()[0] for line in bare.stdout.splitlines()[1:]]
    assert sorted(listed) == sorted(makefile_targets())
    assert all(len(line.split(maxsplit=1)) == 2 for line in bare.stdout.splitlines()[1:]), "one line, with a text"
    text = bare.stdout
    assert "PYTEST_ARGS=" in text and "URL=http://127.0.0.1:8000" in text and "TASK=pattern|category" in text
    assert "pip" not in run_make(["-n"]).stdout  # `make` alone no longer re-runs the install


def test_ci_commands_unchanged() -> None:
    install = run_make(["-n", "install"]).stdout
    assert '.venv/bin/pip install --quiet -c requirements.lock -e ".[train,catalog,spark,dev]"' in install
    test = run_make(["-n", "test", "PYTEST_ARGS=-q -p no:cacheprovider"]).stdout.strip()
    assert test == ".venv/bin/python -m pytest -q -p no:cacheprovider"
    assert run_make(["-n", "lint"]).stdout.split("\n")[:4] == [
        ".venv/bin/ruff check .",
        ".venv/bin/ruff format --check .",
        ".venv/bin/mypy",
        ".venv/bin/lint-imports",
    ]
    serve = run_make(["-n", "serve", "PORT=8123", "WORKERS=3"]).stdout
    image = run_make(["-n", "image", "ENGINE=podman"]).stdout.strip()
    assert image == "ENGINE=podman IMAGE=catalogue-ml deploy/image/build.sh"
    smoke = run_make(["-n", "image-smoke", "ENGINE=podman", "PYTHON=python3"]).stdout.strip()
    assert smoke == "python3 deploy/image/smoke.py --engine podman --image catalogue-ml"
    assert "PORT=8123 WORKERS=3 .venv/bin/gunicorn -c python:server.gunicorn_conf" in serve


def _finished_run(runs: Path, name: str, config_file: Path) -> Path:
    """A run directory as `make train` leaves it: config written by training's own writer, the
    `latest` links; a stand-in report, plot and metrics."""
    from training.config import load_config, to_toml_dict
    from training.runs import point_latest, write_config, write_metrics

    config = load_config(config_file)
    run = runs / name
    run.mkdir(parents=True)
    write_config(run, to_toml_dict(config))
    (run / "report.md").write_text(f"# report of {name}\n")
    (run / "confusion.png").write_bytes(b"\x89PNG stand-in")
    write_metrics(run, {"run_id": name})
    point_latest(run, config.task, config.name)
    return run


def test_make_report_validates_task_and_run(tmp_path: Path) -> None:
    def report(*args: str) -> subprocess.CompletedProcess[str]:
        return run_make(["report", *args], cwd=tmp_path)

    result = report()
    assert result.returncode == 2
    assert own_lines(result.stderr) == [
        "make report: no finished pattern run at runs/latest-pattern: train one first: make train"
    ]
    result = report("TASK=category")
    assert own_lines(result.stderr) == [
        "make report: no finished category run at runs/latest-category: train one first: "
        "make train CONFIG=training/configs/category-30min.toml"
    ]
    result = report("TASK=categroy")
    assert result.returncode == 2
    assert own_lines(result.stderr) == ["make report: TASK must be category or pattern, got 'categroy'"]
    assert not (tmp_path / "reports").exists()

    configs = ROOT / "training" / "configs"
    pattern = _finished_run(tmp_path / "runs", "20260101T000000Z-pattern-prototype", configs / "pattern.toml")
    category = _finished_run(tmp_path / "runs", "20260102T000000Z-category-final", configs / "category-final.toml")

    result = report(f"RUN={category.name}")  # a category run without TASK
    assert result.returncode == 2
    assert own_lines(result.stderr) == [
        f"make report: runs/{category.name} is a category run, not a pattern run: "
        "use TASK=category, or name a pattern run"
    ]
    result = report("TASK=pattern", f"RUN={category.name}")
    assert result.returncode == 2 and "is a category run, not a pattern run" in result.stderr
    assert not (tmp_path / "reports").exists()
    result = report("RUN=20990101T000000Z-nothing")
    assert own_lines(result.stderr) == [
        "make report: no finished pattern run at runs/20990101T000000Z-nothing: give a run id that `make runs` lists"
    ]

    result = report("TASK=category", f"RUN={category.name}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"make report: published runs/{category.name} into reports/category/"
    assert sorted(p.name for p in (tmp_path / "reports" / "category").iterdir()) == ["confusion.png", "report.md"]
    assert (tmp_path / "reports" / "category" / "report.md").read_text() == f"# report of {category.name}\n"

    result = report()  # runs/latest-pattern
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "reports" / "pattern" / "report.md").read_text() == f"# report of {pattern.name}\n"
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["category", "pattern"]


def _windows(data_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Products the model never saw (no drift); only striped and checked products with their
    descriptions cut to the first clause (drift), as tests/training/drift/test_drift.py builds them."""
    test = pd.read_table(data_dir / "asos" / "exercise_test.tsv")
    items = [{"name": n, "description": d} for n, d in zip(test["name"], test["description"], strict=True)]
    train = pd.read_table(data_dir / "asos" / "exercise_train.tsv")
    train = train[train["pattern"].isin(["Stripe", "Check"])]
    shifted = [
        {"name": n, "description": d.split(";")[0]} for n, d in zip(train["name"], train["description"], strict=True)
    ]
    (same := tmp_path / "same.json").write_text(json.dumps(random.Random(0).sample(items, 400)))
    (drifted := tmp_path / "shifted.json").write_text(json.dumps(shifted[:400]))
    return same, drifted


@pytest.mark.slow
def test_make_drift_reports_the_commands_exit_code(data_dir: Path, env_with_data: dict, tmp_path: Path) -> None:
    same, drifted = _windows(data_dir, tmp_path)
    out = f"DRIFT_OUT={tmp_path / 'drift'}"

    result = run_make(["drift", f"WINDOW={same}", out], env_with_data)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"make drift: no drift (the command exited 0); report in {tmp_path}/drift/pattern/drift.md" in result.stdout

    result = run_make(["drift", f"WINDOW={drifted}", out], env_with_data)
    assert result.returncode == 2  # GNU make's code for any failed recipe: why the line below exists
    assert "make drift: DRIFT (the command exited 3)" in result.stderr
    command = result.stdout.splitlines()[0]  # the command make ran, for a scheduled job to call directly
    assert command.startswith(".venv/bin/python -m training drift --model pattern --window")
    direct = subprocess.run(command, shell=True, cwd=ROOT, env=env_with_data, capture_output=True, text=True)
    assert direct.returncode == 3, direct.stderr[-2000:]

    result = run_make(["drift", f"WINDOW={tmp_path / 'missing.json'}", out], env_with_data)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = own_lines(result.stderr)
    assert lines[-1] == "make drift: no verdict, the check failed (the command exited 2; the error is above)"
    assert lines[-2].endswith(f"window file not found: {tmp_path / 'missing.json'}")


def test_make_drift_refuses_missing_window_and_unknown_model() -> None:
    result = run_make(["drift"])
    assert result.returncode == 2 and result.stdout == ""
    assert own_lines(result.stderr) == [
        "make drift: no WINDOW: name the requests to check, e.g. WINDOW=requests.json (a POST body or JSON lines)"
    ]
    result = run_make(["drift", "MODEL=categroy", "WINDOW=requests.json"])
    assert own_lines(result.stderr) == ["make drift: MODEL must be category or pattern, got 'categroy'"]


def test_make_curve_asks_for_runs_and_names_a_missing_one(tmp_path: Path) -> None:
    result = run_make(["curve"])
    assert result.returncode == 2 and result.stdout == ""
    assert own_lines(result.stderr) == [
        'make curve: give the category runs to plot, e.g. RUNS="<run id> <run id>" (ids as `make runs` lists them)'
    ]
    result = run_make(["curve", "RUNS=no-such-run", f"RUNS_DIR={tmp_path}"])
    assert result.returncode == 2 and "no run at" in result.stderr and "no-such-run" in result.stderr
