"""Liveness and readiness, for the kubelet's probes and load balancers."""

from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from server.lifecycle import LIFECYCLE
from server.registry import ModelRegistry


class Health(msgspec.Struct, frozen=True):
    status: str
    detail: str | None = None


@get("/health/live", tags=["health"], summary="Liveness: the worker answers")
async def live() -> Health:
    return Health("live")


@get(
    "/health/ready",
    tags=["health"],
    summary="Readiness: every model loaded and warmed up",
    responses={503: ResponseSpec(Health, description="Not ready, with the reason")},
)
async def ready(registry: NamedDependency[ModelRegistry]) -> Response[Health]:
    if LIFECYCLE.draining:
        return Response(Health("draining", "worker is shutting down"), status_code=HTTP_503_SERVICE_UNAVAILABLE)
    if registry.ready:
        return Response(Health("ready"))
    return Response(Health("not ready", registry.problem), status_code=HTTP_503_SERVICE_UNAVAILABLE)
