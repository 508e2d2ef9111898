"""The part every predict codec shares: a raw body → a typed list of products in one msgspec
pass, with the request-size limit. Model codecs add their own per-field checks."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from server.codecs.errors import RequestError

Product = TypeVar("Product")


class ProductListDecoder(Generic[Product]):
    def __init__(self, product_type: type[Product], max_products: int, limit_name: str) -> None:
        self._decoder = msgspec.json.Decoder(list[product_type])  # type: ignore[valid-type]
        self.max_products = max_products
        self.limit_name = limit_name  # the setting named in the error, e.g. max_products_per_request

    def decode(self, body: bytes) -> list[Product]:
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
                422, f"too many products: {len(products)} in one request, limit {self.limit_name}={self.max_products}"
            )
        return products
