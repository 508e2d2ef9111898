"""What the training side needs from one model, as one value: its names, its config type and
the functions that train, export, summarise and drift-check it. Each model's package builds its
`Task` (training/<model>/task.py); training/tasks.py registers them.

Vocabulary: a model is identified by its `name` (`pattern`, `category`), which is also the
`task = "..."` key of its TOML configs, `runs/latest-<name>` and `artifacts/<name>/`; its `kind`
is what the artifact's metadata calls its `task` (`text-classification`, ...), the runtime that
serves it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:  # scipy: only for the commands that check drift
    from training.drift.sample import DriftResult
    from training.export.target import ExportTarget

Metrics = dict[str, Any]


@dataclass(frozen=True)
class PromotionFigure:
    """A headline figure (higher is better) the promotion gate compares between a candidate and the
    model it would replace, and the drop it tolerates (absolute), with why that much."""

    key: str  # in the headline (the artifact metadata's `metrics`)
    label: str  # how messages and docs name it
    tolerance: float


class RunConfig(Protocol):
    """What every model's config has: the experiment's name (the run directory's suffix), the
    model it trains (the TOML `task` key) and its seed."""

    @property
    def name(self) -> str: ...

    @property
    def task(self) -> str: ...

    @property
    def seed(self) -> int: ...

    @property
    def serve_as(self) -> str | None: ...  # the model name `make export` writes, None for the task's


ConfigT = TypeVar("ConfigT", bound=RunConfig)


class Lazy:
    """An entry point named `module:function`, imported when first called: registering every model
    costs nothing to a command that uses one (scikit-learn, PyTorch and pandas load only with the
    model that needs them)."""

    __slots__ = ("_function", "target")

    def __init__(self, target: str) -> None:
        self.target = target
        self._function: Callable[..., Any] | None = None

    def resolve(self) -> Callable[..., Any]:
        if self._function is None:
            module, _, name = self.target.partition(":")
            self._function = getattr(importlib.import_module(module), name)
        return self._function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)


def no_check(config: Any) -> None:
    """For a model whose config types already check everything."""


def no_extra_figures(metrics: Metrics) -> dict[str, float]:
    return {}


def no_subset(config: Any) -> list[str]:
    """For a model whose configs always train and evaluate on all the data."""
    return []


def no_override_check(config: Any, overrides: list[str]) -> None:
    """For a model whose config has no value that another one silently replaces."""


@dataclass(frozen=True)
class Task(Generic[ConfigT]):
    """One model, registered once. Its functions are `Lazy` entry points (or small functions that
    import when called), so registering every model costs nothing to a command using one."""

    name: str  # the model: the TOML `task`, runs/latest-<name>, artifacts/<name>/
    kind: str  # the artifact's `task`: which runtime serves it
    config_type: type[ConfigT]
    # Raises FieldError for a value the types cannot see is wrong (checked when a config loads).
    check_config: Callable[[ConfigT], None]
    # Raises ConfigError/DataError unless the data files are there and fit the config; `source`
    # is the config file (None when exporting: the gate's data), `overrides` the --set values.
    check_data: Callable[[ConfigT, Path | None, list[str]], None]
    # Runs the experiment into the run directory; returns its metrics (metrics.json).
    run: Callable[[ConfigT, Path], Metrics]
    # Exports a finished run into target.artifact_dir / target.name behind the equivalence gate (the promotion gate
    # has judged it already). Raises ExportRefused.
    export: Callable[[Path, ExportTarget], Path]
    # The figures a run is judged by: the artifact metadata's `metrics` and tracking's headline.
    headline: Callable[[Metrics], Metrics]
    # The `make runs` sections (markdown) for the finished runs under a runs directory; [] if none.
    runs_sections: Callable[[Path], list[str]]
    # Drift of a window of requests: (model_dir, DATA_DIR, window items).
    drift: Callable[[Path, Path, list[dict[str, Any]]], DriftResult]
    # Figures only experiment tracking keeps, beside the headline.
    tracked: Callable[[Metrics], dict[str, float]] = no_extra_figures
    # The config values that make a run train or evaluate on part of the data, as `key=value`.
    subset: Callable[[ConfigT], list[str]] = no_subset
    # Raises FieldError for a `--set` override that would change nothing (e.g. a value the grid replaces).
    check_overrides: Callable[[ConfigT, list[str]], None] = no_override_check
    # The headline figures the promotion gate compares, each with the regression it tolerates.
    promotion: tuple[PromotionFigure, ...] = ()
