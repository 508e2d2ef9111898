"""Field types every model's config shares, and the error a value raises when it cannot work
given the others (config checks name the fields; `training.config` names the override)."""

from __future__ import annotations

from typing import Annotated

import msgspec

# numpy, torch and scikit-learn all accept seeds in this range (scikit-learn no larger).
Seed = Annotated[int, msgspec.Meta(ge=0, le=2**32 - 1)]
# A run directory is runs/<UTC time>-<name>: one path component, no spaces.
MODEL_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"  # also a model's directory and its name in the model repository
Name = Annotated[str, msgspec.Meta(pattern=f"^{MODEL_NAME}$")]


def override_parts(override: str) -> tuple[str, str]:
    """A `--set key.path=value` as (key.path, value), stripped: how every reader of overrides splits them."""
    key, _, value = override.partition("=")
    return key.strip(), value.strip()


class FieldError(ValueError):
    """A value that cannot work, given the others. `fields` are the dotted names involved;
    the message names them and says what would work."""

    def __init__(self, message: str, *fields: str) -> None:
        super().__init__(message)
        self.fields = fields
