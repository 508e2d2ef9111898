"""What a served model declares, and what the app factory hands its route factory."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inference.predictions import Predictions
from server.settings import ServerSettings

if TYPE_CHECKING:  # the registry holds declarations; a declaration's routes use the registry
    from server.registry import ModelRegistry


@dataclass(frozen=True)
class ServingResources:
    """Built once per worker by the app factory and bound into every route at construction: a
    lookup per request (app state, or a dependency resolved per call) cost ~1 µs on routes that
    take ~150 µs in all (benchmarks/PROFILE.md)."""

    settings: ServerSettings
    registry: ModelRegistry
    decode_pool: Executor  # CPU work (JSON of large bodies, images) off the event loop


@dataclass(frozen=True)
class ServedModel:
    name: str  # the model's name: its artifact directory and metadata `name`
    task: str  # the runtime kind it needs (inference/kinds.py); checked when the artifact loads
    queue_setting: str  # the ServerSettings field bounding the items a worker holds for it
    results: Callable[[Predictions], list[Any]]  # a model call's predictions → one result per item
    routes: Callable[[str, ServingResources], list[Any]]  # (name, resources) → Litestar route handlers

    def route_handlers(self, resources: ServingResources) -> list[Any]:
        return self.routes(self.name, resources)


def labels_only(predictions: Predictions) -> list[str]:
    return predictions.labels


def with_probabilities(predictions: Predictions) -> list[tuple[str, Any]]:
    return list(zip(predictions.labels, predictions.probabilities, strict=True))
