"""Routes: predict, health, models. Each is a few lines over a handler or the registry."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from contract.artifact import ArtifactMetadata
from server.codecs.errors import RequestError
from server.codecs.pattern import PatternPrediction, PatternProduct
from server.handlers.pattern import predict_patterns
from server.registry import ModelRegistry
from server.rest.errors import ErrorBody
from server.rest.openapi import request_body_operation

PATTERN_MODEL = "pattern"
JSON = "application/json"


class Health(msgspec.Struct, frozen=True):
    status: str
    detail: str | None = None


class ModelInfo(msgspec.Struct, frozen=True):
    name: str
    version: str
    metadata: ArtifactMetadata


ERRORS = {
    400: ResponseSpec(ErrorBody, description="Body is empty or not UTF-8 JSON"),
    413: ResponseSpec(ErrorBody, description="Body over max_body_bytes"),
    415: ResponseSpec(ErrorBody, description="Content-Type is not application/json"),
    422: ResponseSpec(ErrorBody, description="Wrong shape or types, too many products, a field over max_field_chars"),
    503: ResponseSpec(ErrorBody, description="Models not loaded yet"),
}


def _require_json(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";", 1)[0].strip().lower() != JSON:
        raise RequestError(415, f"Content-Type must be {JSON}, got {content_type or 'none'!r}")


def _runtime(request: Request, name: str) -> Any:
    registry: ModelRegistry = request.app.state.registry
    runtime = registry.get(name)
    if runtime is None:
        raise RequestError(503, f"model {name!r} is not loaded: {registry.problem or 'not in artifact_dir'}")
    return runtime


def pattern_routes(max_products: int) -> list[Any]:
    operation = request_body_operation(list[PatternProduct], max_items=max_products)

    async def predict(request: Request, body: bytes) -> list[PatternPrediction]:
        _require_json(request)
        products = request.app.state.pattern_decoder.decode(body)
        return predict_patterns(_runtime(request, PATTERN_MODEL), products)

    description = (
        "Predict the pattern of each product from its name and description. Answers in request "
        "order; `product_id` is echoed as given."
    )
    handlers = [
        post(
            "/predict",
            operation_id="predictPattern",
            summary="Predict patterns",
            description=description,
            operation_class=operation,
            status_code=HTTP_200_OK,
            responses=ERRORS,
            tags=["predict"],
        )(predict),
        post(
            "/infer",
            operation_id="inferPattern",
            summary="Predict patterns (alias of /predict)",
            description="The brief's template route; same as POST /predict.",
            operation_class=operation,
            status_code=HTTP_200_OK,
            responses=ERRORS,
            tags=["predict"],
        )(predict),
    ]
    return handlers


@get("/health/live", tags=["health"], summary="Liveness: the worker answers")
async def live() -> Health:
    return Health("live")


@get(
    "/health/ready",
    tags=["health"],
    summary="Readiness: every model loaded and warmed up",
    responses={503: ResponseSpec(Health, description="Not ready, with the reason")},
)
async def ready(request: Request) -> Response[Health]:
    registry: ModelRegistry = request.app.state.registry
    if registry.ready:
        return Response(Health("ready"))
    return Response(Health("not ready", registry.problem), status_code=HTTP_503_SERVICE_UNAVAILABLE)


@get("/models", tags=["models"], summary="Loaded models with their metadata")
async def models(request: Request) -> list[ModelInfo]:
    registry: ModelRegistry = request.app.state.registry
    return [
        ModelInfo(name, runtime.metadata.version, runtime.metadata) for name, runtime in sorted(registry.models.items())
    ]
