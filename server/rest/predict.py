"""What every predict route shares: the checks before the body is read, the model lookup, CPU
work off the event loop, and the answers every predict route can give for the same reasons."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import Scope

from server.kinds.declaration import ServedKind
from server.registry import LoadedModel, ModelRegistry
from server.wire.errors import ErrorBody, RequestError

JSON = "application/json"
JSON_BYTES = JSON.encode()
# Bodies up to this size are decoded on the event loop: msgspec reads them in microseconds, less
# than handing them to a thread. Larger ones (up to 16 MiB of base64 images) go to the decode pool.
INLINE_DECODE_BYTES = 64 << 10
ENCODER = msgspec.json.Encoder()  # answers are encoded once, by msgspec: cheaper than Litestar's generic path
T = TypeVar("T")

SHARED_RESPONSES = {
    415: ResponseSpec(ErrorBody, description="Content-Type is not application/json, or a Content-Encoding"),
    503: ResponseSpec(ErrorBody, description="Models not loaded yet, or the worker is full (Retry-After)"),
    504: ResponseSpec(ErrorBody, description="Not answered within request_timeout"),
}


def json_body_length(scope: Scope) -> int | None:
    """Refuses what the predict routes cannot read (415), and returns the announced Content-Length.
    Reads the raw ASGI headers: building Litestar's Headers object showed in profiles."""
    content_type = b""
    length: int | None = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"content-length":
            if not value.isdigit():
                raise RequestError(400, f"invalid Content-Length: {value.decode('latin-1')!r}")
            length = int(value)
        elif name == b"content-encoding":
            refuse_compression(value)
    if content_type.split(b";", 1)[0].strip().lower() != JSON_BYTES:
        shown = content_type.decode("latin-1") or "none"
        raise RequestError(415, f"Content-Type must be {JSON}, got {shown!r}")
    return length


def refuse_compression(content_encoding: bytes) -> None:
    """Bodies are read as sent: a Content-Encoding other than identity is refused (415)."""
    if content_encoding.strip().lower() != b"identity":
        shown = content_encoding.decode("latin-1")
        raise RequestError(415, f"Content-Encoding {shown!r} is not supported: send the body uncompressed")


async def off_loop(pool: Executor, function: Callable[..., T], *args: Any) -> T:
    """CPU work on the worker's decode pool; the event loop goes on serving meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(pool, function, *args)


def loaded_model(registry: ModelRegistry, name: str, kind: ServedKind) -> LoadedModel:
    """The model a route answers with, which must be of the kind the route can feed."""
    model = registry.get(name)
    if model is None:
        raise RequestError(503, f"model {name!r} is not loaded: {registry.problem_of(name)}")
    if model.kind is not kind:
        raise RequestError(503, f"model {name!r} is of kind {model.kind.task}; this route needs kind {kind.task}")
    return model
