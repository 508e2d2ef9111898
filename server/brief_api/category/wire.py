"""Wire format of the category model: products with a base64 image in, a group per product out.

Decoding turns each image into model input through the shared preprocessing
(contract.image), so every problem with an image is found here and reported with the
product it belongs to, before any model runs."""

from __future__ import annotations

from typing import Annotated

import msgspec
import numpy as np

from server.wire.images import ImageBatchDecoder
from server.wire.products import ProductId, ProductListDecoder

# A 16×16 PNG, a dark top on white ("Upper part"): the docs' "Try it out" body is a real request.
EXAMPLE_IMAGE = (
    "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAAAAAA6mKC9AAAAIklEQVR42mP8z4AKmND4"
    "DCwMDAwM8lDOQ2wqho4AI0HfAgAksAMfMNpBhAAAAABJRU5ErkJggg=="
)

Base64Image = Annotated[
    str,
    msgspec.Meta(
        description="The product photo, PNG or JPEG of any size, base64-encoded (standard alphabet, padded; a "
        "`data:image/...;base64,` prefix is accepted). At most max_image_bytes once decoded: the maxLength, "
        "which counts a prefix too",
        # Declared for the OpenAPI schema only (server/rest/openapi.py adds maxLength from the settings):
        # msgspec would enforce a `min_length` itself, before the decoder's checks and their messages
        # naming the product. `format: byte` is OpenAPI's name for base64 text, `contentEncoding` JSON Schema's.
        extra_json_schema={"minLength": 4, "format": "byte", "contentEncoding": "base64"},
        examples=[EXAMPLE_IMAGE],
    ),
]


class CategoryProduct(msgspec.Struct, frozen=True):
    product_id: ProductId
    image: Base64Image


class CategoryPrediction(msgspec.Struct, frozen=True, omit_defaults=True):
    category: str
    product_id: ProductId
    # Only when the client asks (?probabilities=true): group name → probability.
    probabilities: dict[str, float] | None = None


class CategoryRequestDecoder:
    """JSON → products → (n, 1, 28, 28) model inputs, with the configured limits.

    In two steps so that the server can admit the products before decoding any image: products
    (JSON only), then model inputs (server/wire/images.py)."""

    def __init__(
        self,
        max_products: int,
        max_image_bytes: int,
        max_image_pixels: int,
        max_request_pixels: int,
        max_field_chars: int,
    ) -> None:
        self._products = ProductListDecoder(CategoryProduct, max_products, "max_images_per_request", max_field_chars)
        self._images = ImageBatchDecoder(max_image_bytes, max_image_pixels, max_request_pixels)

    @property
    def max_products(self) -> int:
        return self._products.max_products

    def products(self, body: bytes) -> list[CategoryProduct]:
        return self._products.decode(body)

    def model_inputs(self, products: list[CategoryProduct]) -> np.ndarray:
        return self._images.model_inputs(
            [(f"$[{i}].image (product_id {p.product_id!r})", p.image) for i, p in enumerate(products)]
        )
