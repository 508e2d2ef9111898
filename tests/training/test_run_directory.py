"""What `make train` leaves behind, and that runs never overwrite each other."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import run_training
from training.pattern.summary import summaries

SMALL_EXPERIMENT = [
    *("--set", 'search.grid={"clf__alpha"=[1e-4, 1e-3]}'),
    *("--set", "search.n_splits=3"),
    *("--set", "evaluation.cv_folds=3"),
]
SMALL = [*SMALL_EXPERIMENT, "--set", "search.verbose=0"]


@pytest.mark.slow
def test_run_directory_holds_everything_the_run_produced(prototype_run: Path) -> None:
    names = {p.name for p in prototype_run.iterdir()}
    assert {
        "config.toml",
        "model.pkl",
        "metrics.json",
        "predictions_test.csv",
        "grid_search.csv",
        "report.md",
        "confusion_matrix_holdout.png",
        "per_class_f1_holdout.png",
    } <= names
    config = tomllib.loads((prototype_run / "config.toml").read_text())
    assert config["name"] == "pattern-prototype" and config["seed"] == 42
    for png in ("confusion_matrix_holdout.png", "per_class_f1_holdout.png"):
        with Image.open(prototype_run / png) as image:
            assert image.format == "PNG" and image.width > 300
    report = (prototype_run / "report.md").read_text()
    for section in (
        "## Held-out evaluation",
        "## Grid search: all 54 candidates",
        "## Training-set report",
        "## Top tokens and coefficient sparsity",
    ):
        assert section in report
    assert len((prototype_run / "grid_search.csv").read_text().splitlines()) == 55


@pytest.mark.slow
def test_a_second_experiment_does_not_overwrite_the_first(tmp_path: Path, env_with_data: dict) -> None:
    env = {**env_with_data, "RUNS_DIR": str(tmp_path)}
    first = run_training(["train", *SMALL], env)
    assert first.returncode == 0, first.stderr[-2000:]
    first_dir = (tmp_path / "latest").resolve()
    second = run_training(["train", *SMALL, "--set", "name=another"], env)
    assert second.returncode == 0, second.stderr[-2000:]
    second_dir = (tmp_path / "latest").resolve()
    assert first_dir != second_dir and first_dir.is_dir()
    assert json.loads((first_dir / "metrics.json").read_text())["config_name"] == "pattern-prototype"
    assert [s.config for s in summaries(tmp_path)] == ["pattern-prototype", "another"]
    listing = run_training(["runs"], env)
    assert listing.returncode == 0
    assert first_dir.name in listing.stdout and second_dir.name in listing.stdout
    assert "held-out macro-F1" in listing.stdout


@pytest.mark.slow
def test_progress_is_printed_while_the_grid_search_runs(tmp_path: Path, env_with_data: dict) -> None:
    args = [*SMALL_EXPERIMENT, "--set", "search.verbose=2"]
    result = run_training(["train", *args], {**env_with_data, "RUNS_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Fitting 3 folds for each of 2 candidates" in result.stdout
    assert result.stdout.count("END") == 6


def test_missing_data_fails_with_a_clear_message(tmp_path: Path, env_with_data: dict) -> None:
    env = {**env_with_data, "DATA_DIR": str(tmp_path / "nowhere"), "RUNS_DIR": str(tmp_path / "runs")}
    result = run_training(["train", *SMALL], env)
    assert result.returncode == 2
    assert f"data file {tmp_path / 'nowhere' / 'asos' / 'exercise_train.tsv'} not found" in result.stderr
    assert "set DATA_DIR" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "runs").exists()  # checked before a run directory is made
