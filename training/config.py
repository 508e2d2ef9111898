"""Typed experiment configuration, read from TOML and overridable from the command line."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import msgspec

from training.category.config import CategoryConfig

CONFIG_DIR = Path(__file__).parent / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "pattern.toml"


class ConfigError(Exception):
    """A config file or override is missing, malformed or names an unknown field."""


class DataConfig(msgspec.Struct, forbid_unknown_fields=True):
    train_file: str
    test_file: str
    label_column: str
    id_column: str
    labels: list[str]


class FeatureConfig(msgspec.Struct, forbid_unknown_fields=True):
    extra_stop_words: list[str]


class ModelConfig(msgspec.Struct, forbid_unknown_fields=True):
    loss: str
    penalty: str
    alpha: float
    l1_ratio: float = 0.15


class SearchConfig(msgspec.Struct, forbid_unknown_fields=True):
    n_splits: int
    n_jobs: int
    verbose: int
    grid: dict[str, list[Any]]


class EvaluationConfig(msgspec.Struct, forbid_unknown_fields=True):
    cv_folds: int
    holdout_fraction: float
    top_tokens: int


class ExperimentConfig(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    task: Literal["pattern"]
    seed: int
    data: DataConfig
    features: FeatureConfig
    model: ModelConfig
    search: SearchConfig
    evaluation: EvaluationConfig

    def __post_init__(self) -> None:
        if not 0.0 < self.evaluation.holdout_fraction < 1.0:
            raise ValueError("evaluation.holdout_fraction must be in (0, 1)")
        if self.search.n_splits < 2 or self.evaluation.cv_folds < 2:
            raise ValueError("search.n_splits and evaluation.cv_folds must be at least 2")
        if not self.data.labels:
            raise ValueError("data.labels must list the expected labels")


def data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR", "data"))


def load_config(path: Path, overrides: list[str] | None = None) -> ExperimentConfig | CategoryConfig:
    """Read `path`, apply `key.path=value` overrides (values in TOML syntax), validate
    against the config type of its `task` (pattern or category)."""
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    for override in overrides or []:
        _apply_override(raw, override)
    config_type = CONFIG_TYPES.get(raw.get("task"))
    if config_type is None:
        raise ConfigError(f"{path}: task must be one of {sorted(CONFIG_TYPES)}, got {raw.get('task')!r}")
    try:
        return msgspec.convert(raw, config_type)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _apply_override(raw: dict[str, Any], override: str) -> None:
    key, sep, text = override.partition("=")
    if not sep or not key:
        raise ConfigError(f"override {override!r} is not of the form key.path=value")
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        value = text  # a bare word: take it as a string
    *parents, leaf = key.strip().split(".")
    node = raw
    for part in parents:
        # A section left to its defaults is absent from the file; validation still rejects unknown names.
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override {override!r}: {part!r} is not a config section")
        node = child
    node[leaf] = value


CONFIG_TYPES: dict[str, type[ExperimentConfig] | type[CategoryConfig]] = {
    "pattern": ExperimentConfig,
    "category": CategoryConfig,
}


def to_toml_dict(config: ExperimentConfig | CategoryConfig) -> dict[str, Any]:
    return msgspec.to_builtins(config)
