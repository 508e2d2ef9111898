"""Honest run identity: overrides in a run's name and report, subset runs flagged, failed runs
listed as failed and refused, and an override the grid would silently replace refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_training
from training.identity import RunIdentity, identity_of
from training.runs import (
    METRICS_FILE,
    head_report,
    mark_failed,
    resolve_run,
    unfinished_runs_section,
)


def test_overrides_name_the_run_but_a_renaming_one_does_not_repeat() -> None:
    identity = RunIdentity("alpha-01", ["search.grid.clf__alpha=[0.01]", "name=alpha-01"])
    assert identity.suffix() == "+search.grid.clf__alpha=0.01"
    assert not identity.standard and identity.variant() == "alpha-01 search.grid.clf__alpha=[0.01]"
    assert RunIdentity("pattern-prototype").suffix() == "" and RunIdentity("pattern-prototype").standard


def test_a_long_suffix_is_shortened_but_stays_distinct() -> None:
    a = RunIdentity("c", [f"features.extra_stop_words=[{'x, ' * 60}'a']"]).suffix()
    b = RunIdentity("c", [f"features.extra_stop_words=[{'x, ' * 60}'b']"]).suffix()
    assert len(a) <= 81 and a != b and "/" not in a


def test_seeds_of_a_config_are_one_variant_and_subsets_are_flagged() -> None:
    assert RunIdentity("category-final", ["seed=2"]).variant() == "category-final"
    subset = RunIdentity("category-final", ["data.train_limit=2000"], ["data.train_limit=2000"])
    assert "subset (data.train_limit=2000)" in subset.flags()
    assert any("Subset run" in line for line in subset.report_header())


def test_runs_before_identities_count_as_standard() -> None:
    assert identity_of({"config_name": "pattern-prototype"}) == RunIdentity("pattern-prototype")


def test_the_report_starts_with_the_identity(tmp_path: Path) -> None:
    (tmp_path / "report.md").write_text("# Title\n\nbody\n")
    head_report(tmp_path, RunIdentity("x", ["seed=3"]).report_header())
    lines = (tmp_path / "report.md").read_text().splitlines()
    assert lines[0] == "# Title" and lines[2] == "> **Config** `x`" and "`--set seed=3`" in lines[3]


def test_a_failed_run_is_listed_as_failed_and_refused(tmp_path: Path) -> None:
    failed, killed, done = tmp_path / "1-failed", tmp_path / "2-killed", tmp_path / "3-done"
    for run in (failed, killed, done):
        run.mkdir()
        (run / "config.toml").write_text("")
    (done / METRICS_FILE).write_text("{}")
    mark_failed(failed, MemoryError("out of memory in epoch 3"))
    section = unfinished_runs_section(tmp_path)
    assert "| 1-failed | failed: MemoryError: out of memory in epoch 3 |" in section
    assert "| 2-killed | unfinished or killed |" in section and "3-done" not in section
    with pytest.raises(FileNotFoundError, match="failed .MemoryError"):
        resolve_run("1-failed", tmp_path)
    with pytest.raises(FileNotFoundError, match="no finished run"):
        resolve_run("2-killed", tmp_path)


def test_an_override_the_grid_replaces_is_refused(env_with_data: dict[str, str], tmp_path: Path) -> None:
    result = run_training(["train", "--set", "model.alpha=0.01"], {**env_with_data, "RUNS_DIR": str(tmp_path)})
    assert result.returncode == 2
    line = result.stderr.strip().splitlines()[-1]
    assert "--set model.alpha=0.01: model.alpha changes nothing: the grid searches clf__alpha" in line
    assert "--set search.grid.clf__alpha=[0.01]" in line
    assert not any(tmp_path.iterdir())  # nothing written


def test_the_readme_override_example_changes_what_it_says() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert 'make train SET="model.alpha=0.01' not in readme
    assert "search.grid.clf__alpha=[0.01]" in readme


def test_compare_refuses_a_run_of_another_model(env_with_data: dict[str, str], tmp_path: Path) -> None:
    run = tmp_path / "20261201T000000Z-category-final"
    run.mkdir()
    (run / "config.toml").write_text(
        (Path(__file__).resolve().parents[2] / "training/configs/category-final.toml").read_text()
    )
    (run / METRICS_FILE).write_text("{}")
    result = run_training(["compare", str(run), str(run)], {**env_with_data, "RUNS_DIR": str(tmp_path)})
    assert result.returncode == 2 and "is a category run: compare pairs pattern runs" in result.stderr
