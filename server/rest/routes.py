"""Routes: predict, health, models. Each is a few lines over a handler or the registry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from contract.artifact import ArtifactMetadata
from server.codecs.category import CategoryPrediction, CategoryProduct, CategoryRequestDecoder
from server.codecs.errors import ErrorBody, RequestError
from server.codecs.pattern import PatternPrediction, PatternProduct, PatternRequestDecoder
from server.handlers.category import predict_categories
from server.handlers.pattern import predict_patterns
from server.lifecycle import LIFECYCLE
from server.registry import LoadedModel, ModelRegistry
from server.rest.answer import JsonAnswer
from server.rest.body import read_body
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


def _json_body_length(request: Request) -> int | None:
    """Refuses what the predict routes cannot read (415), and returns the announced Content-Length.
    Reads the raw ASGI headers: building Litestar's Headers object showed in profiles."""
    content_type = b""
    length: int | None = None
    for name, value in request.scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"content-length":
            if not value.isdigit():
                raise RequestError(400, f"invalid Content-Length: {value.decode('latin-1')!r}")
            length = int(value)
        elif name == b"content-encoding" and value.strip().lower() != b"identity":
            shown = value.decode("latin-1")
            raise RequestError(415, f"Content-Encoding {shown!r} is not supported: send the body uncompressed")
    if content_type.split(b";", 1)[0].strip().lower() != JSON_BYTES:
        shown = content_type.decode("latin-1") or "none"
        raise RequestError(415, f"Content-Type must be {JSON}, got {shown!r}")
    return length


async def _off_loop(pool: Executor, function: Callable[..., T], *args: Any) -> T:
    """CPU work on the worker's decode pool; the event loop goes on serving meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(pool, function, *args)


def _model(registry: ModelRegistry, name: str) -> LoadedModel:
    model = registry.get(name)
    if model is None:
        raise RequestError(503, f"model {name!r} is not loaded: {registry.problem or 'not in artifact_dir'}")
    return model


def pattern_routes(registry: ModelRegistry, decoder: PatternRequestDecoder, decode_pool: Executor) -> list[Any]:
    """The worker's registry, decoder and decode pool are bound here, once: looking them up in the
    app state on every request cost ~1 µs. The body limit is the app's (max_body_bytes)."""
    operation = request_body_operation(list[PatternProduct], max_items=decoder.max_products)
    decode = decoder.decode

    async def predict(request: Request) -> JsonAnswer:
        announced = _json_body_length(request)
        model = _model(registry, PATTERN_MODEL)
        model.capacity.check_room()
        body = await read_body(request, announced)
        products = decode(body) if len(body) <= INLINE_DECODE_BYTES else await _off_loop(decode_pool, decode, body)
        with model.capacity.reserve(len(products)):
            predictions = await predict_patterns(model, products)
        # Encoded here, once, by msgspec: cheaper than Litestar's generic response serialisation.
        return JsonAnswer(_encoder.encode(predictions))

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


def category_routes(
    registry: ModelRegistry,
    decoder: CategoryRequestDecoder,
    decode_pool: Executor,
    max_body_bytes: int,
) -> list[Any]:
    operation = request_body_operation(list[CategoryProduct], max_items=decoder.max_products)
    decode = decoder.products

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
        probabilities: Annotated[
            bool, Parameter(query="probabilities", description="Add each group's probability to every answer")
        ] = False,
    ) -> JsonAnswer:
        announced = _json_body_length(request)
        model = _model(registry, CATEGORY_MODEL)
        model.capacity.check_room()
        body = await read_body(request, announced)
        products = decode(body) if len(body) <= INLINE_DECODE_BYTES else await _off_loop(decode_pool, decode, body)
        with model.capacity.reserve(len(products)):  # before decoding: decoding is most of the work
            inputs = await _off_loop(decode_pool, decoder.model_inputs, products)
            predictions = await predict_categories(model, products, inputs, probabilities)
        return JsonAnswer(_encoder.encode(predictions))

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
