"""The brief's wire format for the pattern model: a list of products in, a list out."""

from __future__ import annotations

import msgspec

from server.wire.errors import RequestError
from server.wire.products import ProductId, ProductListDecoder


class PatternProduct(msgspec.Struct, frozen=True):
    name: str
    description: str
    product_id: ProductId


class PatternPrediction(msgspec.Struct, frozen=True):
    pattern: str
    product_id: ProductId


class PatternRequestDecoder:
    """Decodes a raw body in one typed msgspec pass, then applies the configured limits."""

    def __init__(self, max_products: int, max_field_chars: int) -> None:
        self._products = ProductListDecoder(PatternProduct, max_products, "max_products_per_request", max_field_chars)
        self.max_field_chars = max_field_chars

    @property
    def max_products(self) -> int:
        return self._products.max_products

    def decode(self, body: bytes) -> list[PatternProduct]:
        products = self._products.decode(body)
        self._check_lengths(products)
        return products

    def _check_lengths(self, products: list[PatternProduct]) -> None:
        limit = self.max_field_chars
        for i, p in enumerate(products):
            for field in ("name", "description"):
                size = len(getattr(p, field))
                if size > limit:
                    raise RequestError(
                        422,
                        f"$[{i}].{field} (product_id {p.product_id!r}) has {size} characters, "
                        f"limit max_field_chars={limit}",
                    )
