"""The part every predict codec shares: a raw body → a typed list of products in one msgspec
pass, with the request-size limit and the product id's limit. Model codecs add their own
per-field checks."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec

from server.wire.errors import RequestError

# Ids are echoed as given; an integer must fit int64 (what catalogue databases and JSON clients
# in other languages hold), a string is bounded by max_field_chars like every text field.
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
ProductId = Annotated[Int64 | str, msgspec.Meta(description="Catalogue id, echoed as given (int64 integer or string)")]


Product = TypeVar("Product", bound=msgspec.Struct)


class ProductListDecoder(Generic[Product]):
    def __init__(self, product_type: type[Product], max_products: int, limit_name: str, max_id_chars: int) -> None:
        # strict=False: a whole float id (2.0) is the integer 2, as JSON Schema reads the `integer`
        # the OpenAPI schema declares; 1.5, booleans and other types are still refused, strings
        # stay strings.
        self._decoder = msgspec.json.Decoder(list[product_type], strict=False)  # type: ignore[valid-type]
        self.max_products = max_products
        self.limit_name = limit_name  # the setting named in the error, e.g. max_products_per_request
        self.max_id_chars = max_id_chars

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
        except RecursionError as exc:  # arrays or objects nested ~1,000 deep, even in an ignored field
            raise RequestError(400, f"body is nested too deeply to decode: {exc}") from exc
        if len(products) > self.max_products:
            raise RequestError(
                422, f"too many products: {len(products)} in one request, limit {self.limit_name}={self.max_products}"
            )
        self._check_ids(products)
        return products

    def _check_ids(self, products: list[Product]) -> None:
        for i, product in enumerate(products):
            pid = product.product_id  # type: ignore[attr-defined]  # every product Struct has one
            if isinstance(pid, str) and len(pid) > self.max_id_chars:
                raise RequestError(
                    422, f"$[{i}].product_id has {len(pid)} characters, limit max_field_chars={self.max_id_chars}"
                )
