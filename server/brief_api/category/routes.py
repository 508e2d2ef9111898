"""`POST /predict/category`: products with a base64 photo, a group per product."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK
from litestar.types import Receive, Scope, Send

from server.brief_api.category.handler import predict_categories
from server.brief_api.category.wire import CategoryPrediction, CategoryProduct, CategoryRequestDecoder
from server.kinds.image_classification import IMAGE_CLASSIFICATION
from server.resources import ServingResources
from server.rest.answer import send_answer
from server.rest.body import BodyLimit, read_body
from server.rest.endpoint import post_endpoint, query_flag
from server.rest.openapi import request_body_operation
from server.rest.predict import ENCODER, INLINE_DECODE_BYTES, SHARED_RESPONSES, json_body_length, loaded_model, off_loop
from server.wire.errors import ErrorBody

RESPONSES = {
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
DESCRIPTION = (
    "Classify each product photo into one of the five groups (Upper part, Bottom part, One piece, "
    "Footwear, Bags). Photos of any size and either polarity (dark garment on white, or light on black) "
    "are fitted into 28×28 grayscale by the model's own preprocessing. Answers in request order."
)
# Base64 photos make bodies larger: this route has its own body limit, named in its 413s.
BODY_LIMIT = "max_category_body_bytes"


def category_routes(resources: ServingResources) -> list[Any]:
    settings, registry, decode_pool = resources.settings, resources.registry, resources.decode_pool
    name = settings.category_model
    decoder = CategoryRequestDecoder(
        settings.max_images_per_request,
        settings.max_image_bytes,
        settings.max_image_pixels,
        settings.max_request_pixels,
        settings.max_field_chars,
    )
    decode = decoder.products

    limit = BodyLimit(BODY_LIMIT, getattr(settings, BODY_LIMIT))

    async def predict_category(scope: Scope, receive: Receive, send: Send) -> None:
        with_probabilities = query_flag(scope, "probabilities")
        announced = json_body_length(scope)
        model = loaded_model(registry, name, IMAGE_CLASSIFICATION)
        model.capacity.check_room()
        body = await read_body(receive, announced, limit)
        products = decode(body) if len(body) <= INLINE_DECODE_BYTES else await off_loop(decode_pool, decode, body)
        with model.capacity.reserve(len(products)):  # before decoding: decoding is most of the work
            inputs = await off_loop(decode_pool, decoder.model_inputs, products)
            predictions = await predict_categories(model, products, inputs, with_probabilities)
        await send_answer(send, ENCODER.encode(predictions))

    handler = post_endpoint(
        "/predict/category",
        predict_category,
        signature=documented_signature,
        operation_id="predictCategory",
        summary="Predict product categories from images",
        description=DESCRIPTION,
        operation_class=request_body_operation(list[CategoryProduct], max_items=decoder.max_products),
        status_code=HTTP_200_OK,
        responses=RESPONSES,
        tags=["predict"],
    )
    return [handler]


async def documented_signature(
    probabilities: Annotated[bool, QueryParameter(description="Add each group's probability to every answer")] = False,
) -> None:
    """The route's query parameter, for its OpenAPI operation (read by `query_flag`; never called)."""
