"""Schemathesis hooks for the API contract test (SCHEMATHESIS_HOOKS=<this file>).

The category route's `image` is `format: byte` (base64 text), and the server accepts only the
base64 of a readable PNG or JPEG: something no JSON Schema keyword can say. Schemathesis' own
`byte` values are the base64 of random bytes, which the server rightly refuses (422), so every
schema-valid request would look refused. Here `byte` values are real images instead, of random
size, shade and format, so the positive checks test what the server does with valid requests.
Negative data is still generated from the schema as usual."""

from __future__ import annotations

import base64
import io

import schemathesis
from hypothesis import strategies as st
from PIL import Image


def _image_base64(size: tuple[int, int], shade: int, image_format: str) -> str:
    buffer = io.BytesIO()
    Image.new("L", size, shade).save(buffer, image_format)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


IMAGES = st.builds(
    _image_base64,
    st.tuples(st.integers(1, 96), st.integers(1, 96)),
    st.integers(0, 255),
    st.sampled_from(["PNG", "JPEG"]),
)

schemathesis.openapi.format("byte", IMAGES)
