"""`POST /predict/category`: products with a base64 photo, a group per product."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_200_OK

from server.brief_api.category.handler import predict_categories
from server.brief_api.category.wire import CategoryPrediction, CategoryProduct, CategoryRequestDecoder
from server.kinds.image_classification import IMAGE_CLASSIFICATION
from server.resources import ServingResources
from server.rest.answer import JsonAnswer
from server.rest.body import read_body
from server.rest.errors import BODY_LIMIT_SETTING
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

    @post(
        "/predict/category",
        operation_id="predictCategory",
        summary="Predict product categories from images",
        description=DESCRIPTION,
        operation_class=request_body_operation(list[CategoryProduct], max_items=decoder.max_products),
        status_code=HTTP_200_OK,
        responses=RESPONSES,
        request_max_body_size=getattr(settings, BODY_LIMIT),
        opt={BODY_LIMIT_SETTING: BODY_LIMIT},
        tags=["predict"],
    )
    async def predict_category(
        request: Request,
        probabilities: Annotated[
            bool, QueryParameter(description="Add each group's probability to every answer")
        ] = False,
    ) -> JsonAnswer:
        announced = json_body_length(request)
        model = loaded_model(registry, name, IMAGE_CLASSIFICATION)
        model.capacity.check_room()
        body = await read_body(request, announced)
        products = decode(body) if len(body) <= INLINE_DECODE_BYTES else await off_loop(decode_pool, decode, body)
        with model.capacity.reserve(len(products)):  # before decoding: decoding is most of the work
            inputs = await off_loop(decode_pool, decoder.model_inputs, products)
            predictions = await predict_categories(model, products, inputs, probabilities)
        return JsonAnswer(ENCODER.encode(predictions))

    return [predict_category]
