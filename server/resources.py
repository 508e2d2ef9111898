"""What the app factory builds once per worker and hands every route factory."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from server.settings import ServerSettings

if TYPE_CHECKING:  # the registry's models are what the routes serve
    from server.registry import ModelRegistry


@dataclass(frozen=True)
class ServingResources:
    """Bound into every route when it is built: a lookup per request (app state, or a dependency
    resolved per call) cost ~1 µs on routes that take ~150 µs in all (benchmarks/PROFILE.md)."""

    settings: ServerSettings
    registry: ModelRegistry
    decode_pool: Executor  # CPU work (JSON of large bodies, images) off the event loop
