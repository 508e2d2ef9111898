"""Routes: predict, health, models. Each is a few lines over a handler or the registry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from contract.artifact import ArtifactMetadata
from server.codecs.category import CategoryPrediction, CategoryProduct
from server.codecs.errors import ErrorBody, RequestError
from server.codecs.pattern import PatternPrediction, PatternProduct
from server.handlers.category import predict_categories
from server.handlers.pattern import predict_patterns
from server.lifecycle import LIFECYCLE
from server.registry import LoadedModel, ModelRegistry
from server.rest.errors import BODY_LIMIT_SETTING
from server.rest.openapi import request_body_operation

PATTERN_MODEL = "pattern"
CATEGORY_MODEL = "category"
JSON = "application/json"
JSON_BYTES = JSON.encode()
# Bodies up to this size are decoded on the event loop: msgspec reads them in microseconds, less
# than handing them to a thread. Larger ones (up to 16 MiB of base64 images) go to the decode pool.
INLINE_DECODE_BYTES = 64 << 10
_encoder = msgspec.json.Encoder()
T = TypeVar("T")


class Health(msgspec.Struct, frozen=True):
    status: str
    detail: str | None = None


class ModelInfo(msgspec.Struct, frozen=True):
    name: str
    version: str
    metadata: ArtifactMetadata


# Answers every predict route can give for the same reasons.
SHARED_RESPONSES = {
    415: ResponseSpec(ErrorBody, description="Content-Type is not application/json, or a Content-Encoding"),
    503: ResponseSpec(ErrorBody, description="Models not loaded yet, or the worker is full (Retry-After)"),
    504: ResponseSpec(ErrorBody, description="Not answered within request_timeout"),
}

PREDICT_RESPONSES = {
    200: ResponseSpec(
        list[PatternPrediction], generate_examples=False, description="One prediction per product, in request order"
    ),
    400: ResponseSpec(ErrorBody, description="Body is empty, not UTF-8 JSON, or nested too deeply"),
    413: ResponseSpec(ErrorBody, description="Body over max_body_bytes"),
    422: ResponseSpec(
        ErrorBody,
        description="Wrong shape or types, too many products, a field or string id over max_field_chars, "
        "an integer id beyond int64",
    ),
    **SHARED_RESPONSES,
}


def _require_json(request: Request) -> None:
    # Read the raw ASGI headers: building Litestar's Headers object showed in profiles.
    content_type = b""
    for name, value in request.scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"content-encoding" and value.strip().lower() != b"identity":
            shown = value.decode("latin-1")
            raise RequestError(415, f"Content-Encoding {shown!r} is not supported: send the body uncompressed")
    if content_type.split(b";", 1)[0].strip().lower() != JSON_BYTES:
        shown = content_type.decode("latin-1") or "none"
        raise RequestError(415, f"Content-Type must be {JSON}, got {shown!r}")


async def _off_loop(request: Request, function: Callable[..., T], *args: Any) -> T:
    """CPU work on the worker's decode pool; the event loop goes on serving meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(request.app.state.decode_pool, function, *args)


async def _decode_body(request: Request, decode: Callable[[bytes], T], body: bytes) -> T:
    return decode(body) if len(body) <= INLINE_DECODE_BYTES else await _off_loop(request, decode, body)


def _model(request: Request, name: str) -> LoadedModel:
    registry: ModelRegistry = request.app.state.registry
    model = registry.get(name)
    if model is None:
        raise RequestError(503, f"model {name!r} is not loaded: {registry.problem or 'not in artifact_dir'}")
    return model


def pattern_routes(max_products: int) -> list[Any]:
    operation = request_body_operation(list[PatternProduct], max_items=max_products)

    async def predict(request: Request, body: bytes) -> Response[bytes]:
        _require_json(request)
        model = _model(request, PATTERN_MODEL)
        model.capacity.check_room()
        decode = request.app.state.pattern_decoder.decode
        # Inline below INLINE_DECODE_BYTES, as _decode_body does, without its extra coroutine.
        products = decode(body) if len(body) <= INLINE_DECODE_BYTES else await _off_loop(request, decode, body)
        with model.capacity.reserve(len(products)):
            predictions = await predict_patterns(model, products)
        # Encoded here, once, by msgspec: cheaper than Litestar's generic response serialisation.
        return Response(_encoder.encode(predictions), media_type=JSON)

    description = (
        "Predict the pattern of each product from its name and description. Answers in request "
        "order; `product_id` is echoed as given. `/infer` is the brief's template route, the same handler."
    )
    handler = post(
        ["/predict", "/infer"],
        operation_id=lambda _handler, _method, path: f"{path[-1]}Pattern",  # one id per path
        summary="Predict patterns",
        description=description,
        operation_class=operation,
        status_code=HTTP_200_OK,
        responses=PREDICT_RESPONSES,
        tags=["predict"],
    )(predict)
    return [handler]


CATEGORY_RESPONSES = {
    200: ResponseSpec(
        list[CategoryPrediction],
        generate_examples=False,
        description="One group per product, in request order; `probabilities` only when asked for",
    ),
    400: ResponseSpec(
        ErrorBody, description="Body is empty, not UTF-8 JSON or nested too deeply, or a bad query parameter"
    ),
    413: ResponseSpec(
        ErrorBody,
        description="Body over max_category_body_bytes, an image over its limits, or the request's images "
        "over max_request_pixels",
    ),
    422: ResponseSpec(
        ErrorBody,
        description="Wrong shape or types, too many products, an image that is not valid "
        "base64 or not a readable PNG/JPEG (the message names the product)",
    ),
    **SHARED_RESPONSES,
}


def category_routes(max_products: int, max_body_bytes: int) -> list[Any]:
    operation = request_body_operation(list[CategoryProduct], max_items=max_products)

    @post(
        "/predict/category",
        operation_id="predictCategory",
        summary="Predict product categories from images",
        description=(
            "Classify each product photo into one of the five groups (Upper part, Bottom part, One piece, "
            "Footwear, Bags). Photos of any size and either polarity (dark garment on white, or light on black) "
            "are fitted into 28×28 grayscale by the model's own preprocessing. Answers in request order."
        ),
        operation_class=operation,
        status_code=HTTP_200_OK,
        responses=CATEGORY_RESPONSES,
        request_max_body_size=max_body_bytes,
        opt={BODY_LIMIT_SETTING: "max_category_body_bytes"},
        tags=["predict"],
    )
    async def predict_category(
        request: Request,
        body: bytes,
        probabilities: Annotated[
            bool, Parameter(query="probabilities", description="Add each group's probability to every answer")
        ] = False,
    ) -> Response[bytes]:
        _require_json(request)
        model = _model(request, CATEGORY_MODEL)
        model.capacity.check_room()
        decoder = request.app.state.category_decoder
        products = await _decode_body(request, decoder.products, body)
        with model.capacity.reserve(len(products)):  # before decoding: decoding is most of the work
            inputs = await _off_loop(request, decoder.model_inputs, products)
            predictions = await predict_categories(model, products, inputs, probabilities)
        return Response(_encoder.encode(predictions), media_type=JSON)

    return [predict_category]


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
    if LIFECYCLE.draining:
        return Response(Health("draining", "worker is shutting down"), status_code=HTTP_503_SERVICE_UNAVAILABLE)
    if registry.ready:
        return Response(Health("ready"))
    return Response(Health("not ready", registry.problem), status_code=HTTP_503_SERVICE_UNAVAILABLE)


@get("/models", tags=["models"], summary="Loaded models with their metadata")
async def models(request: Request) -> list[ModelInfo]:
    registry: ModelRegistry = request.app.state.registry
    return [ModelInfo(name, model.metadata.version, model.metadata) for name, model in sorted(registry.models.items())]
