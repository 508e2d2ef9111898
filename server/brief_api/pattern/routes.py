"""`POST /predict` and `/infer`: the brief's wire format for the pattern model."""

from __future__ import annotations

from typing import Any

from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_200_OK
from litestar.types import Receive, Scope, Send

from server.brief_api.pattern.handler import predict_patterns
from server.brief_api.pattern.wire import PatternPrediction, PatternProduct, PatternRequestDecoder
from server.kinds.text_classification import TEXT_CLASSIFICATION
from server.resources import ServingResources
from server.rest.answer import send_answer
from server.rest.body import BodyLimit, read_body
from server.rest.endpoint import post_endpoint
from server.rest.openapi import request_body_operation
from server.rest.predict import ENCODER, INLINE_DECODE_BYTES, SHARED_RESPONSES, json_body_length, loaded_model, off_loop
from server.wire.errors import ErrorBody

RESPONSES = {
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
DESCRIPTION = (
    "Predict the pattern of each product from its name and description. Answers in request "
    "order; `product_id` is echoed as given. `/infer` is the brief's template route, the same handler."
)


def pattern_routes(resources: ServingResources) -> list[Any]:
    """The worker's registry, decoder, decode pool and body limit (max_body_bytes) are bound here,
    once."""
    settings, registry, decode_pool = resources.settings, resources.registry, resources.decode_pool
    name = settings.pattern_model
    decoder = PatternRequestDecoder(settings.max_products_per_request, settings.max_field_chars)
    decode = decoder.decode
    limit = BodyLimit("max_body_bytes", settings.max_body_bytes)

    async def predict_pattern(scope: Scope, receive: Receive, send: Send) -> None:
        announced = json_body_length(scope)
        model = loaded_model(registry, name, TEXT_CLASSIFICATION)
        model.capacity.check_room()
        body = await read_body(receive, announced, limit)
        products = decode(body) if len(body) <= INLINE_DECODE_BYTES else await off_loop(decode_pool, decode, body)
        with model.capacity.reserve(len(products)):
            predictions = await predict_patterns(model, products)
        await send_answer(send, ENCODER.encode(predictions))

    handler = post_endpoint(
        ["/predict", "/infer"],
        predict_pattern,
        operation_id=lambda _handler, _method, path: f"{path[-1]}Pattern",  # one id per path
        summary="Predict patterns",
        description=DESCRIPTION,
        operation_class=request_body_operation(list[PatternProduct], max_items=decoder.max_products),
        status_code=HTTP_200_OK,
        responses=RESPONSES,
        tags=["predict"],
    )
    return [handler]
