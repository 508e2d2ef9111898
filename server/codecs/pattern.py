"""The brief's wire format for the pattern model: a list of products in, a list out."""

from __future__ import annotations

from typing import Annotated

import msgspec

from server.codecs.errors import RequestError

ProductId = Annotated[int | str, msgspec.Meta(description="Catalogue id, echoed as given (integer or string)")]


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
        self._decoder = msgspec.json.Decoder(list[PatternProduct])
        self.max_products = max_products
        self.max_field_chars = max_field_chars

    def decode(self, body: bytes) -> list[PatternProduct]:
        if not body:
            raise RequestError(400, "empty body: expected a JSON array of products")
        try:
            products = self._decoder.decode(body)
        except msgspec.ValidationError as exc:
            raise RequestError(422, f"invalid products: {exc}") from exc
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            # msgspec reports invalid UTF-8 inside a string as UnicodeDecodeError.
            raise RequestError(400, f"body is not valid UTF-8 JSON: {exc}") from exc
        if len(products) > self.max_products:
            raise RequestError(
                422,
                f"too many products: {len(products)} in one request, limit max_products_per_request="
                f"{self.max_products}",
            )
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
