"""Server settings, from the environment (prefix SERVE_), validated once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec

ENV_PREFIX = "SERVE_"
Positive = Annotated[int, msgspec.Meta(ge=1)]


class SettingsError(Exception):
    """An environment variable has a value the server cannot use."""


class ServerSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    artifact_dir: Path = Path("artifacts")
    max_body_bytes: Positive = 1 << 20
    max_products_per_request: Positive = 1000
    max_field_chars: Positive = 10_000  # 20x the longest description in the catalogue sample
    max_batch_products: Positive = 256  # products in one micro-batched model call
    # POST /predict/category: base64 images make bodies larger, so the route has its own limit.
    max_category_body_bytes: Positive = 16 << 20
    max_images_per_request: Positive = 256
    max_image_bytes: Positive = 4 << 20  # one decoded image file
    max_image_pixels: Positive = 25_000_000  # width × height from the header; refuses decompression bombs
    intra_op_threads: Positive = 1
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServerSettings:
        environ = os.environ if environ is None else environ
        fields = set(cls.__struct_fields__)
        raw = {
            key[len(ENV_PREFIX) :].lower(): value
            for key, value in environ.items()
            if key.startswith(ENV_PREFIX) and key[len(ENV_PREFIX) :].lower() in fields
        }
        try:
            # strict=False parses "1000" and "true" from environment strings.
            return msgspec.convert(raw, cls, strict=False, dec_hook=_decode)
        except msgspec.ValidationError as exc:
            field = re.search(r"\$\.(\w+)", str(exc))
            name = f"{ENV_PREFIX}{field.group(1).upper()}" if field else "settings"
            raise SettingsError(f"{name}: {exc}") from exc


def _decode(type_: type, value: object) -> object:
    if type_ is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError(f"cannot read {type_} from the environment")
