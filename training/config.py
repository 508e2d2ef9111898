"""Typed experiment configuration, read from TOML and overridable from the command line.

Every value that cannot work is refused when the config is loaded, before a run starts:
types, unknown names and ranges through msgspec, values that depend on each other or on
scikit-learn in explicit checks. The message names the field, and the `--set` override
that set it when there is one (otherwise the file)."""

from __future__ import annotations

import os
import re
import tomllib
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from training.category.config import CategoryConfig, FieldError, Name, Seed

CONFIG_DIR = Path(__file__).parent / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "pattern.toml"

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
Folds = Annotated[int, msgspec.Meta(ge=2)]


class ConfigError(Exception):
    """A config file or override is missing, malformed, names an unknown field or holds a
    value that cannot work. The message is one line naming the file or override and the field."""


class DataConfig(msgspec.Struct, forbid_unknown_fields=True):
    train_file: NonEmpty  # relative to DATA_DIR
    test_file: NonEmpty
    label_column: NonEmpty
    id_column: NonEmpty
    labels: Annotated[list[NonEmpty], msgspec.Meta(min_length=2)]


class FeatureConfig(msgspec.Struct, forbid_unknown_fields=True):
    extra_stop_words: list[str]


class ModelConfig(msgspec.Struct, forbid_unknown_fields=True):
    # scikit-learn's SGDClassifier accepts these and nothing else.
    loss: Literal[
        "hinge",
        "log_loss",
        "modified_huber",
        "squared_hinge",
        "perceptron",
        "squared_error",
        "huber",
        "epsilon_insensitive",
        "squared_epsilon_insensitive",
    ]
    penalty: Literal["l2", "l1", "elasticnet"]
    alpha: Annotated[float, msgspec.Meta(gt=0.0)]  # 0 fails with the default learning rate ("optimal")
    l1_ratio: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 0.15


class SearchConfig(msgspec.Struct, forbid_unknown_fields=True):
    n_splits: Folds
    n_jobs: int  # joblib: -1 every core, -2 all but one, ...; 0 means nothing
    verbose: Annotated[int, msgspec.Meta(ge=0)]
    grid: dict[NonEmpty, Annotated[list[Any], msgspec.Meta(min_length=1)]]

    def __post_init__(self) -> None:
        if self.n_jobs == 0:
            raise FieldError(
                "search.n_jobs=0 means no worker: use a positive number of processes, or -1 for one per core",
                "search.n_jobs",
            )


class EvaluationConfig(msgspec.Struct, forbid_unknown_fields=True):
    cv_folds: Folds
    holdout_fraction: Annotated[float, msgspec.Meta(gt=0.0, lt=1.0)]
    top_tokens: Annotated[int, msgspec.Meta(ge=0)]


class ExperimentConfig(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    task: Literal["pattern"]
    seed: Seed
    data: DataConfig
    features: FeatureConfig
    model: ModelConfig
    search: SearchConfig
    evaluation: EvaluationConfig

    def __post_init__(self) -> None:
        repeated = sorted({label for label in self.data.labels if self.data.labels.count(label) > 1})
        if repeated:
            raise FieldError(f"data.labels lists {repeated} more than once: list each label once", "data.labels")


def data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR", "data"))


def load_config(path: Path, overrides: list[str] | None = None) -> ExperimentConfig | CategoryConfig:
    """Read `path`, apply `key.path=value` overrides (values in TOML syntax), validate
    against the config type of its `task` (pattern or category)."""
    overrides = overrides or []
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(
            f"config file not found: {path}: pass --config a TOML file such as {_shown(DEFAULT_CONFIG)} "
            f"(every experiment is in {_shown(CONFIG_DIR)}/)"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    for override in overrides:
        _apply_override(raw, override)
    task = raw.get("task")
    config_type = CONFIG_TYPES.get(task) if isinstance(task, str) else None
    if config_type is None:
        raise ConfigError(
            f"{blame(path, overrides, ['task'])}: task must be one of {sorted(CONFIG_TYPES)}, got {task!r}"
        )
    try:
        config = msgspec.convert(raw, config_type)
        if isinstance(config, ExperimentConfig):
            from training.pipeline import check_grid  # scikit-learn: only for pattern configs

            check_grid(config)
    except FieldError as exc:
        raise ConfigError(f"{blame(path, overrides, exc.fields)}: {exc}") from exc
    except msgspec.ValidationError as exc:
        if isinstance(exc.__cause__, FieldError):  # raised by a __post_init__
            cause = exc.__cause__
            raise ConfigError(f"{blame(path, overrides, cause.fields)}: {cause}") from exc
        field = _field_of(str(exc))
        raise ConfigError(f"{blame(path, overrides, [field])}: {exc}{_hint(config_type, str(exc), field)}") from exc
    return config


def blame(path: Path, overrides: list[str], fields: Iterable[str]) -> str:
    """The `--set` override that set one of `fields` (the last one wins, as it does when
    applied), or else the file: where the user has to fix the value."""
    fields = list(fields)
    for override in reversed(overrides):
        key = override.partition("=")[0].strip()
        for field in fields:
            if key == field or field.startswith(key + ".") or key.startswith(field + "."):
                return f"--set {override}"
    return str(path)


def _field_of(message: str) -> str:
    """The dotted field of a msgspec error: `... - at `$.model.alpha``, plus the unknown or
    missing field it names (`Object contains unknown field `colour` - at `$.model``)."""
    at = re.search(r" - at `\$([^`]*)`$", message)
    parts = re.findall(r"\.([^.\[\]]+)", at.group(1)) if at else []
    named = re.search(r"(?:unknown|missing required) field `([^`]+)`", message)
    if named:
        parts.append(named.group(1))
    return ".".join(parts)


def _hint(config_type: type, message: str, field: str) -> str:
    """What would be accepted, for the two messages that do not say it themselves."""
    parts = field.split(".") if field else []
    if "unknown field" in message:
        struct = _type_at(config_type, parts[:-1])
        if struct is not None:
            return f" (known here: {', '.join(struct.__struct_fields__)})"
    if "Invalid enum value" in message:
        literal = _type_at(config_type, parts, structs_only=False)
        if typing.get_origin(literal) is Literal:
            return f" (one of: {', '.join(repr(v) for v in typing.get_args(literal))})"
    return ""


def _type_at(config_type: type, parts: list[str], structs_only: bool = True) -> Any:
    node: Any = config_type
    for part in parts:
        if not (isinstance(node, type) and issubclass(node, msgspec.Struct)):
            return None
        node = typing.get_type_hints(node).get(part)
    if structs_only and not (isinstance(node, type) and issubclass(node, msgspec.Struct)):
        return None
    return node


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _apply_override(raw: dict[str, Any], override: str) -> None:
    key, sep, text = override.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {override}: not of the form key.path=value (e.g. --set model.alpha=0.01)")
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
            raise ConfigError(f"--set {override}: {part!r} is not a config section, so it has no {leaf!r}")
        node = child
    node[leaf] = value


CONFIG_TYPES: dict[str, type[ExperimentConfig] | type[CategoryConfig]] = {
    "pattern": ExperimentConfig,
    "category": CategoryConfig,
}


def to_toml_dict(config: ExperimentConfig | CategoryConfig) -> dict[str, Any]:
    return msgspec.to_builtins(config)
