"""Wire format of the category model: products with a base64 image in, a group per product out.

Decoding turns each image into model input through the shared preprocessing
(contract.image), so every problem with an image is found here and reported with the
product it belongs to, before any model runs."""

from __future__ import annotations

import binascii
from typing import Annotated

import msgspec
import numpy as np

from contract.image import ImageError, ImageTooLarge, decode_image, preprocess
from server.codecs.errors import RequestError
from server.codecs.pattern import ProductId
from server.codecs.products import ProductListDecoder

Base64Image = Annotated[
    str,
    msgspec.Meta(
        description="The product photo, PNG or JPEG of any size, base64-encoded (standard alphabet; a "
        "`data:image/...;base64,` prefix is accepted)",
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
    """JSON → products → (n, 1, 28, 28) model inputs, with the configured limits."""

    def __init__(self, max_products: int, max_image_bytes: int, max_image_pixels: int) -> None:
        self._products = ProductListDecoder(CategoryProduct, max_products, "max_images_per_request")
        self.max_image_bytes = max_image_bytes
        self.max_image_pixels = max_image_pixels

    def decode(self, body: bytes) -> tuple[list[CategoryProduct], np.ndarray]:
        products = self._products.decode(body)
        inputs = np.empty((len(products), 1, 28, 28), dtype=np.float32)
        for i, product in enumerate(products):
            inputs[i, 0] = self.model_input(i, product)
        return products, inputs

    def model_input(self, index: int, product: CategoryProduct) -> np.ndarray:
        """One product's image → (28, 28) model input; a RequestError names the product."""
        where = f"$[{index}].image (product_id {product.product_id!r})"
        text = product.image
        if text.startswith("data:"):
            text = text.partition(",")[2]
        if len(text) * 3 // 4 > self.max_image_bytes + 2:  # known from the length, before decoding
            raise RequestError(
                413, f"{where}: about {len(text) * 3 // 4} bytes, limit max_image_bytes={self.max_image_bytes}"
            )
        try:
            data = binascii.a2b_base64(text, strict_mode=True)
        except (binascii.Error, ValueError) as exc:
            raise RequestError(422, f"{where}: not valid base64: {exc}") from exc
        try:
            return preprocess(decode_image(data, self.max_image_pixels))
        except ImageError as exc:
            status = 413 if isinstance(exc, ImageTooLarge) else 422
            raise RequestError(status, f"{where}: {exc}") from exc
