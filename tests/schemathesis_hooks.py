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
import json
from pathlib import Path
from typing import Any

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


# The Open Inference Protocol's infer route takes the protocol's generic request (any tensors by
# name, datatype and shape), which no schema can narrow to the tensors one model takes, and any
# model name. So that schema-valid requests test inference rather than the 404 and 400 refusals,
# they are made requests a served model takes: the pattern model, at its version, with its two
# inputs carrying the generated text. Negative cases (schema-violating data) are left as they are.
PATTERN_VERSION = json.loads((Path(__file__).parent.parent / "artifacts/pattern/metadata.json").read_text())["version"]


@schemathesis.hook
def map_case(ctx: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    operation = ctx.operation
    if operation is None or not operation.path.startswith("/v2/models/") or case.meta is None:
        return case
    if case.meta.generation.mode.is_negative or not isinstance(case.body, dict):
        return case
    if case.path_parameters:
        case.path_parameters = {**case.path_parameters, "name": "pattern"}
        if "version" in case.path_parameters:
            case.path_parameters["version"] = PATTERN_VERSION
    if operation.method.upper() == "POST":
        body: dict[str, Any] = case.body
        inputs = body.get("inputs")
        given = [i.get("data") for i in inputs if isinstance(i, dict)] if isinstance(inputs, list) else []
        texts = [str(v) for data in given if isinstance(data, list) for v in data][:50] or ["Floral dress"]
        shape = [len(texts)]
        tensors: list[Any] = [
            {"name": n, "shape": shape, "datatype": "BYTES", "data": texts} for n in ("name", "description")
        ]
        case.body = {**body, "inputs": tensors, "outputs": None}
    return case
