"""The framework's ceiling: a bare Litestar handler that reads the body and returns a constant."""

from __future__ import annotations

from litestar import Litestar, Response, post

ANSWER = b'[{"pattern":"Floral","product_id":1}]'


@post("/predict", status_code=200)
async def predict(body: bytes) -> Response[bytes]:
    return Response(ANSWER, media_type="application/json")


def create_app() -> Litestar:
    return Litestar([predict], logging_config=None)
