"""The pattern model's registration (training.tasks): its names, config type and entry points.
Each entry point imports its scikit-learn/pandas module when called, so the registry stays light."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from training.pattern.config import PatternConfig
from training.task import Metrics, Task

if TYPE_CHECKING:
    from training.drift.sample import DriftResult


def _check_config(config: PatternConfig) -> None:
    from training.pattern.pipeline import check_grid  # scikit-learn: only for pattern configs

    check_grid(config)


def _check_data(config: PatternConfig, source: Path | None, overrides: list[str]) -> None:
    from training.pattern.data import check_data

    check_data(config, source, overrides)


def _run(config: PatternConfig, run_dir: Path) -> Metrics:
    from training.pattern.experiment import run_pattern_experiment

    return run_pattern_experiment(config, run_dir)


def _export(run_dir: Path, artifact_dir: Path, examples: int | None) -> Path:
    from training.pattern.export.export import export_pattern_run

    return export_pattern_run(run_dir, artifact_dir, examples=examples)


def _headline(metrics: Metrics) -> Metrics:
    from training.pattern.summary import pattern_headline

    return pattern_headline(metrics)


def _runs_sections(root: Path) -> list[str]:
    from training.pattern.summary import runs_sections

    return runs_sections(root)


def _drift(model_dir: Path, data_root: Path, window: list[dict[str, Any]]) -> DriftResult:
    from training.pattern.drift import pattern_drift

    return pattern_drift(model_dir, data_root / "asos" / "exercise_train.tsv", window)


PATTERN: Task[PatternConfig] = Task(
    name="pattern",
    kind="text-classification",
    config_type=PatternConfig,
    check_config=_check_config,
    check_data=_check_data,
    run=_run,
    export=_export,
    headline=_headline,
    runs_sections=_runs_sections,
    drift=_drift,
)
