"""`GET /models`: what this worker has loaded, with each model's artifact metadata."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.di import NamedDependency

from contract.artifact import ArtifactMetadata
from server.registry import ModelRegistry


class ModelInfo(msgspec.Struct, frozen=True):
    name: str
    version: str
    metadata: ArtifactMetadata


@get("/models", tags=["models"], summary="Loaded models with their metadata")
async def models(registry: NamedDependency[ModelRegistry]) -> list[ModelInfo]:
    return [ModelInfo(name, model.metadata.version, model.metadata) for name, model in sorted(registry.models.items())]
