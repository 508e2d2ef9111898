"""Loading an experiment config: TOML file, `--set key.path=value` overrides, validation against
the config type of the model it names, and one-line errors.

The `task = "..."` key of a config names the model it trains (`pattern`, `category`: a name in
training.tasks), as in `runs/latest-<task>` and `make report TASK=...`; the artifact's kind is
something else (see training.task). Every value that cannot work is refused when the config is
loaded, before a run starts: types, unknown names and ranges through msgspec, values that depend
on each other or on the model's library in the model's checks. The message names the field, and
the `--set` override that set it when there is one (otherwise the file)."""

from __future__ import annotations

import re
import tomllib
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import msgspec

from training.fields import FieldError, override_parts
from training.task import RunConfig
from training.tasks import TASKS

CONFIG_DIR = Path(__file__).parent / "configs"
DEFAULT_CONFIG = CONFIG_DIR / "pattern.toml"


class ConfigError(Exception):
    """A config file or override is missing, malformed, names an unknown field or holds a
    value that cannot work. The message is one line naming the file or override and the field."""


def load_config(path: Path, overrides: list[str] | None = None) -> Any:
    """Read `path`, apply `key.path=value` overrides (values in TOML syntax), validate against
    the config type of the model its `task` names. Returns that model's config type."""
    overrides = overrides or []
    raw = _read(path)
    for override in overrides:
        _apply_override(raw, override)
    name = raw.get("task")
    task = TASKS.get(name) if isinstance(name, str) else None
    if task is None:
        raise ConfigError(f"{blame(path, overrides, ['task'])}: task must be one of {sorted(TASKS)}, got {name!r}")
    try:
        config = msgspec.convert(raw, task.config_type)
        task.check_config(config)
        task.check_overrides(config, overrides)
    except FieldError as exc:
        raise ConfigError(f"{blame(path, overrides, exc.fields)}: {exc}") from exc
    except msgspec.ValidationError as exc:
        if isinstance(exc.__cause__, FieldError):  # raised by a __post_init__
            cause = exc.__cause__
            raise ConfigError(f"{blame(path, overrides, cause.fields)}: {cause}") from exc
        field = _field_of(str(exc))
        raise ConfigError(
            f"{blame(path, overrides, [field])}: {exc}{_hint(task.config_type, str(exc), field)}"
        ) from exc
    return config


def to_toml_dict(config: RunConfig) -> dict[str, Any]:
    """The resolved config as a run directory's config.toml holds it (TOML has no null: an unset
    optional value is left out, and reads back as unset)."""
    return _without_none(msgspec.to_builtins(config))


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    return value


def blame(path: Path, overrides: list[str], fields: Iterable[str]) -> str:
    """The `--set` override that set one of `fields` (the last one wins, as it does when
    applied), or else the file: where the user has to fix the value."""
    fields = list(fields)
    for override in reversed(overrides):
        key = override_parts(override)[0]
        for field in fields:
            if key == field or field.startswith(key + ".") or key.startswith(field + "."):
                return f"--set {override}"
    return str(path)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(
            f"config file not found: {path}: pass --config a TOML file such as {_shown(DEFAULT_CONFIG)} "
            f"(every experiment is in {_shown(CONFIG_DIR)}/)"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the config file: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


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
