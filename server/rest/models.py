"""`GET /models`: every model directory of the repository, loaded (with its artifact metadata) or
failed (with the reason)."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.di import NamedDependency

from contract.artifact import ArtifactMetadata
from server.registry import ModelRegistry


class ModelInfo(msgspec.Struct, frozen=True, omit_defaults=True):
    name: str  # the model directory's name
    state: str  # "ready" or "failed"
    version: str | None = None
    metadata: ArtifactMetadata | None = None
    error: str | None = None  # why it failed to load
    shadow: str | None = None  # the model scoring its inputs off the response path (server/shadow.py)


@get("/models", tags=["models"], summary="Every model directory: loaded with its metadata, or failed with why")
async def models(registry: NamedDependency[ModelRegistry]) -> list[ModelInfo]:
    loaded = [
        ModelInfo(name, "ready", m.metadata.version, m.metadata, shadow=_shadow(registry, name))
        for name, m in registry.models.items()
    ]
    failed = [ModelInfo(name, "failed", error=problem) for name, problem in registry.failed.items()]
    return sorted(loaded + failed, key=lambda info: info.name)


def _shadow(registry: ModelRegistry, name: str) -> str | None:
    mirror = registry.mirrors.get(name)
    return None if mirror is None else mirror.shadow
