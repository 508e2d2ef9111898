"""The category model's registration (training.tasks): its names, config type and entry points.
Each entry point imports its PyTorch/numpy module when called, so the registry stays light."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from training.category.config import CategoryConfig
from training.task import Metrics, Task, no_check

if TYPE_CHECKING:
    from training.drift.sample import DriftResult


def _check_data(config: CategoryConfig, source: Path | None, overrides: list[str]) -> None:
    from training.category.data import check_data

    check_data(config, source, overrides)


def _run(config: CategoryConfig, run_dir: Path) -> Metrics:
    from training.category.experiment import run_category_experiment

    return run_category_experiment(config, run_dir)


def _export(run_dir: Path, artifact_dir: Path, examples: int | None) -> Path:
    from training.category.export.export import export_category_run  # no generated examples: images

    return export_category_run(run_dir, artifact_dir)


def _headline(metrics: Metrics) -> Metrics:
    from training.category.summary import category_headline

    return category_headline(metrics)


def _tracked(metrics: Metrics) -> dict[str, float]:
    from training.category.summary import tracked_figures

    return tracked_figures(metrics)


def _runs_sections(root: Path) -> list[str]:
    from training.category.summary import runs_sections

    return runs_sections(root)


def _drift(model_dir: Path, data_root: Path, window: list[dict[str, Any]]) -> DriftResult:
    from training.category.drift import category_drift

    return category_drift(model_dir, data_root / "fashion-mnist", window)


CATEGORY: Task[CategoryConfig] = Task(
    name="category",
    kind="image-classification",
    config_type=CategoryConfig,
    check_config=no_check,
    check_data=_check_data,
    run=_run,
    export=_export,
    headline=_headline,
    runs_sections=_runs_sections,
    drift=_drift,
    tracked=_tracked,
)
