"""The framework's ceiling: a bare Litestar handler that reads the body and returns a constant
(`create_app`, what `make bench` measures). `create_asgi_app` is the same through a Litestar ASGI
route handler, as this server's predict routes are served (server/rest/endpoint.py): what Litestar
itself costs per request when no `Request` or `Response` is built (`python -m
benchmarks.instructions --app bare-asgi`)."""

from __future__ import annotations

from litestar import Litestar, Response, asgi, post
from litestar.types import Receive, Scope, Send

ANSWER = b'[{"pattern":"Floral","product_id":1}]'


@post("/predict", status_code=200)
async def predict(body: bytes) -> Response[bytes]:
    return Response(ANSWER, media_type="application/json")


def create_app() -> Litestar:
    return Litestar([predict], logging_config=None)


@asgi("/predict", copy_scope=False)
async def predict_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    more = True
    while more:  # the body, read and dropped
        message = await receive()
        more = bool(message.get("more_body", False))
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(ANSWER))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": ANSWER, "more_body": False})


def create_asgi_app() -> Litestar:
    return Litestar([predict_asgi], logging_config=None)
