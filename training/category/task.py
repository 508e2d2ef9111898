"""The category model's registration (training.tasks): its names, config type and entry points,
each imported when called (PyTorch loads only for a category command)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from training.category.config import CategoryConfig
from training.task import Lazy, Task, no_check

if TYPE_CHECKING:
    from training.drift.sample import DriftResult


def _export(run_dir: Path, artifact_dir: Path, examples: int | None) -> Path:
    from training.category.export.export import export_category_run  # no generated examples: images

    return export_category_run(run_dir, artifact_dir)


def _drift(model_dir: Path, data_root: Path, window: list[dict[str, Any]]) -> DriftResult:
    from training.category.drift import category_drift

    return category_drift(model_dir, data_root / "fashion-mnist", window)


CATEGORY: Task[CategoryConfig] = Task(
    name="category",
    kind="image-classification",
    config_type=CategoryConfig,
    check_config=no_check,
    check_data=Lazy("training.category.data:check_data"),
    run=Lazy("training.category.experiment:run_category_experiment"),
    export=_export,
    headline=Lazy("training.category.summary:category_headline"),
    runs_sections=Lazy("training.category.summary:runs_sections"),
    drift=_drift,
    tracked=Lazy("training.category.summary:tracked_figures"),
)
