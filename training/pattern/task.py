"""The pattern model's registration (training.tasks): its names, config type and entry points,
each imported when called (scikit-learn and pandas load only for a pattern command)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from training.pattern.config import PatternConfig
from training.task import Lazy, PromotionFigure, Task

if TYPE_CHECKING:
    from training.drift.sample import DriftResult


def _drift(model_dir: Path, data_root: Path, window: list[dict[str, Any]]) -> DriftResult:
    from training.pattern.drift import pattern_drift

    return pattern_drift(model_dir, data_root / "asos" / "exercise_train.tsv", window)


PATTERN: Task[PatternConfig] = Task(
    name="pattern",
    kind="text-classification",
    config_type=PatternConfig,
    check_config=Lazy("training.pattern.pipeline:check_grid"),
    check_data=Lazy("training.pattern.data:check_data"),
    run=Lazy("training.pattern.experiment:run_pattern_experiment"),
    export=Lazy("training.pattern.export.export:export_pattern_run"),
    headline=Lazy("training.pattern.summary:pattern_headline"),
    runs_sections=Lazy("training.pattern.summary:runs_sections"),
    drift=_drift,
    check_overrides=Lazy("training.pattern.pipeline:check_grid_overrides"),
    # The held-out split has 305 products: 0.005 is under two of them. A retrain of the same config
    # and seed gives the same figures, so only a worse model falls further.
    promotion=(
        PromotionFigure("holdout_macro_f1", "held-out macro-F1", 0.005),
        PromotionFigure("holdout_accuracy", "held-out accuracy", 0.005),
    ),
)
