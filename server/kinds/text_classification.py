"""Text classification models, served: V2 inputs `name` and `description` (BYTES, [N], UTF-8), one
element each per product; the limits of POST /predict (max_products_per_request, max_field_chars)."""

from __future__ import annotations

from collections.abc import Mapping

from contract.text import TextProduct
from server.kinds.declaration import ServedKind
from server.settings import ServerSettings
from server.v2.tensors import Elements
from server.v2.wire import TensorMetadata
from server.wire.errors import RequestError

FIELDS = ("name", "description")


class TextTensorDecoder:
    def __init__(self, settings: ServerSettings) -> None:
        self.max_products = settings.max_products_per_request
        self.max_field_chars = settings.max_field_chars

    def __call__(self, elements: Mapping[str, Elements]) -> list[TextProduct]:
        names, descriptions = (self._texts(field, elements[field]) for field in FIELDS)
        if len(names) != len(descriptions):
            raise RequestError(
                400, f"input 'name' has {len(names)} elements and 'description' {len(descriptions)}: one per product"
            )
        return [TextProduct(name, description) for name, description in zip(names, descriptions, strict=True)]

    def check_count(self, count: int) -> None:
        if count > self.max_products:
            limit = f"max_products_per_request={self.max_products}"
            raise RequestError(400, f"too many products: {count} in one request, limit {limit}")

    def _texts(self, field: str, values: Elements) -> list[str]:
        texts = [self._text(field, i, value) for i, value in enumerate(values)]
        for i, text in enumerate(texts):
            if len(text) > self.max_field_chars:
                limit = f"max_field_chars={self.max_field_chars}"
                raise RequestError(400, f"input {field!r} element {i} has {len(text)} characters, limit {limit}")
        return texts

    @staticmethod
    def _text(field: str, index: int, value: str | bytes) -> str:
        if isinstance(value, str):
            return value
        try:
            return value.decode()
        except UnicodeDecodeError as exc:
            raise RequestError(400, f"input {field!r} element {index} is not UTF-8: {exc}") from exc


TEXT_CLASSIFICATION = ServedKind(
    task="text-classification",
    queue_setting="max_queued_products",
    inputs=tuple(TensorMetadata(field, "BYTES", [-1]) for field in FIELDS),
    decoder=TextTensorDecoder,
    decode_off_loop=False,  # microseconds per product
)
