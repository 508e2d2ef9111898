"""Wire format of the category model: products with a base64 image in, a group per product out.

Decoding turns each image into model input through the shared preprocessing
(contract.image), so every problem with an image is found here and reported with the
product it belongs to, before any model runs."""

from __future__ import annotations

from typing import Annotated

import msgspec
import numpy as np
from PIL import Image

from contract.image import DRAFT_SIZE, preprocess
from contract.image_files import ImageError, ImageTooLarge, base64_image_bytes, load_image, open_image
from server.wire.errors import RequestError
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
    (JSON only), then model inputs (base64, every header read and the request's pixel budget
    checked before any pixel is decoded)."""

    def __init__(
        self,
        max_products: int,
        max_image_bytes: int,
        max_image_pixels: int,
        max_request_pixels: int,
        max_field_chars: int,
    ) -> None:
        self._products = ProductListDecoder(CategoryProduct, max_products, "max_images_per_request", max_field_chars)
        self.max_image_bytes = max_image_bytes
        self.max_image_pixels = max_image_pixels
        self.max_request_pixels = max_request_pixels

    @property
    def max_products(self) -> int:
        return self._products.max_products

    def products(self, body: bytes) -> list[CategoryProduct]:
        return self._products.decode(body)

    def model_inputs(self, products: list[CategoryProduct]) -> np.ndarray:
        images = [self._open(i, product) for i, product in enumerate(products)]
        pixels = sum(image.width * image.height for image in images)
        if pixels > self.max_request_pixels:
            raise RequestError(
                413,
                f"the {len(images)} images of this request have {pixels} pixels to decode, "
                f"limit max_request_pixels={self.max_request_pixels}: send fewer or smaller images per request",
            )
        inputs = np.empty((len(products), 1, 28, 28), dtype=np.float32)
        images.reverse()  # popped in request order: one decoded image in memory at a time
        for i, product in enumerate(products):
            inputs[i, 0] = self._input(i, product, images.pop())
        return inputs

    def model_input(self, index: int, product: CategoryProduct) -> np.ndarray:
        """One product's image → (28, 28) model input; a RequestError names the product."""
        return self._input(index, product, self._open(index, product))

    def _open(self, index: int, product: CategoryProduct) -> Image.Image:
        text = product.image
        if text.startswith("data:"):
            text = text.partition(",")[2]
        size = len(text) * 3 // 4  # known from the length, before decoding
        if size > self.max_image_bytes + 2:
            limit = self.max_image_bytes
            raise RequestError(413, f"{_where(index, product)}: about {size} bytes, limit max_image_bytes={limit}")
        try:
            return open_image(base64_image_bytes(text), self.max_image_pixels, DRAFT_SIZE)
        except ImageError as exc:
            raise _image_request_error(index, product, exc) from exc

    def _input(self, index: int, product: CategoryProduct, image: Image.Image) -> np.ndarray:
        try:
            return preprocess(load_image(image))
        except ImageError as exc:
            raise _image_request_error(index, product, exc) from exc


def _where(index: int, product: CategoryProduct) -> str:
    return f"$[{index}].image (product_id {product.product_id!r})"


def _image_request_error(index: int, product: CategoryProduct, exc: ImageError) -> RequestError:
    return RequestError(413 if isinstance(exc, ImageTooLarge) else 422, f"{_where(index, product)}: {exc}")
