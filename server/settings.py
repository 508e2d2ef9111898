"""Server settings, from the environment (prefix SERVE_), validated once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from contract.image_files import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS

ENV_PREFIX = "SERVE_"
Positive = Annotated[int, msgspec.Meta(ge=1)]
Seconds = Annotated[float, msgspec.Meta(gt=0)]


class SettingsError(Exception):
    """An environment variable has a value the server cannot use."""


class ServerSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    artifact_dir: Path = Path("artifacts")  # the model repository: every <name>/ in it is served as `name`
    # The models the brief's routes answer with: POST /predict (text) and POST /predict/category (image).
    pattern_model: str = "pattern"
    category_model: str = "category"
    # Shadow traffic (server/shadow.py): "pattern=pattern-challenger[,<model>=<shadow>...]". Each
    # shadow scores its model's inputs off the response path, for the agreement and class metrics.
    shadow_models: str = ""
    # Per worker and pair: items handed to a shadow and not yet scored. Beyond it shadow work is
    # dropped (counted), never queued behind answers: ~30 ms of work at the pattern model's rate.
    max_shadow_items: Positive = 1024
    max_body_bytes: Positive = 1 << 20
    max_products_per_request: Positive = 1000
    max_field_chars: Positive = 10_000  # 20x the longest description in the catalogue sample
    max_batch_products: Positive = 256  # products in one micro-batched model call
    # POST /predict/category: base64 images make bodies larger, so the route has its own limit.
    max_category_body_bytes: Positive = 16 << 20
    # POST /v2/models/{name}/infer, any model: binary or base64 images make the largest bodies.
    max_infer_body_bytes: Positive = 16 << 20
    max_images_per_request: Positive = 256
    max_image_bytes: Positive = MAX_IMAGE_BYTES  # one decoded image file
    max_image_pixels: Positive = MAX_IMAGE_PIXELS  # width × height from the header; refuses decompression bombs
    # Pixels decoded for one request, all its images together, from the headers before decoding:
    # bounds the CPU one legal request can take (~1 s here, benchmarks/RESULTS.md).
    max_request_pixels: Positive = 100_000_000
    intra_op_threads: Positive = 1
    decode_threads: Positive = 1  # per worker: threads decoding images off the event loop
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    access_log: bool = False

    # Backpressure, per worker: beyond these a request is answered 503 + Retry-After at once.
    # Queues hold ~0.5 s of work or less at the measured throughput of one worker (benchmarks/RESULTS.md):
    # ~47,000-52,000 products/s in batches of 100 (products: ~0.35 s), ~1,280-1,400 photos/s in batches of 32.
    max_inflight_requests: Positive = 128  # predict requests admitted (reading, waiting or running)
    max_queued_products: Positive = 16_000  # text products waiting for or in a model call
    max_queued_images: Positive = 700  # images being decoded, waiting for or in a model call
    retry_after_seconds: Positive = 1
    request_timeout: Seconds = 10.0  # body received → answer; later is 504

    # Slow and stalled clients.
    header_timeout: Seconds = 10.0  # connection open or request begun → headers complete
    body_timeout: Seconds = 20.0  # headers complete → body complete (16 MiB at 0.8 MiB/s)
    max_header_bytes: Positive = 16 << 10  # request line + headers
    max_headers: Positive = 100
    max_buffered_body_bytes: Positive = 64 << 20  # per worker: request bodies held at once
    keepalive_seconds: Positive = 5

    # Shutdown: on SIGTERM a worker is lame-duck for drain_seconds (readiness 503, still serving,
    # `Connection: close`), then stops accepting, finishes what it has and exits.
    drain_seconds: Annotated[float, msgspec.Meta(ge=0)] = 10.0
    worker_timeout: Positive = 30  # gunicorn kills a worker whose event loop is silent this long
    graceful_timeout: Positive = 45  # gunicorn's limit for a worker to exit after SIGTERM

    def __post_init__(self) -> None:
        # A worker must be able to drain, then receive and answer the slowest legal request that
        # arrived just before it stopped accepting, before gunicorn kills it.
        slowest = self.drain_seconds + max(self.header_timeout, self.body_timeout) + self.request_timeout
        if self.graceful_timeout <= slowest:
            raise ValueError(
                f"{ENV_PREFIX}GRACEFUL_TIMEOUT={self.graceful_timeout} must exceed {ENV_PREFIX}DRAIN_SECONDS + "
                f"max({ENV_PREFIX}HEADER_TIMEOUT, {ENV_PREFIX}BODY_TIMEOUT) + {ENV_PREFIX}REQUEST_TIMEOUT = {slowest}"
            )
        # Connections idle since before the drain are closed by the keep-alive timeout during it;
        # a shorter drain would close them at its end, under a client that may be sending.
        if 0 < self.drain_seconds < self.keepalive_seconds:
            raise ValueError(
                f"{ENV_PREFIX}DRAIN_SECONDS={self.drain_seconds} must be 0 or at least "
                f"{ENV_PREFIX}KEEPALIVE_SECONDS={self.keepalive_seconds}"
            )

        parse_shadow_models(self.shadow_models)  # here, so a bad value stops the start naming the variable

    @property
    def shadow_pairs(self) -> dict[str, str]:
        """SERVE_SHADOW_MODELS as {model: its shadow}; ValueError names the variable and the form."""
        return parse_shadow_models(self.shadow_models)

    @property
    def largest_body_bytes(self) -> int:
        return max(self.max_body_bytes, self.max_category_body_bytes, self.max_infer_body_bytes)

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


SHADOW_FORM = "<model>=<shadow>[,<model>=<shadow>...], e.g. pattern=pattern-challenger"


def parse_shadow_models(value: str) -> dict[str, str]:
    """Pairs of model directory names. A model has at most one shadow, never itself, and a model is
    either served with a shadow or a shadow, not both: shadow traffic is never mirrored again."""
    pairs: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        model, sep, shadow = (part.strip() for part in entry.partition("="))
        if not sep or not model or not shadow or "=" in shadow:
            raise ValueError(f"{ENV_PREFIX}SHADOW_MODELS: {entry!r} is not a pair: expected {SHADOW_FORM}")
        if model == shadow:
            raise ValueError(f"{ENV_PREFIX}SHADOW_MODELS: model {model!r} cannot shadow itself")
        if model in pairs:
            raise ValueError(
                f"{ENV_PREFIX}SHADOW_MODELS: model {model!r} has two shadows, {pairs[model]!r} and {shadow!r}: "
                "one per model"
            )
        pairs[model] = shadow
    chained = sorted(set(pairs) & set(pairs.values()))
    if chained:
        raise ValueError(
            f"{ENV_PREFIX}SHADOW_MODELS: {chained[0]!r} is both a model with a shadow and a shadow: "
            f"shadows are not chained; expected {SHADOW_FORM}"
        )
    return pairs


def _decode(type_: type, value: object) -> object:
    if type_ is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError(f"cannot read {type_} from the environment")
