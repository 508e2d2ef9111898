"""Answers already encoded, returned by the predict routes as plain ASGI apps.

Litestar sends an ASGI app returned by a handler as it is. Building a `Response` and turning it
into Litestar's ASGI response (header containers, cookies, background tasks, content-length
computation) cost ~2 µs per request on the single-product path; the predictions are encoded by
msgspec already, so all that is left is two ASGI messages."""

from __future__ import annotations

from typing import Any

CONTENT_TYPE = (b"content-type", b"application/json")


class Answer:
    """An encoded answer; a route annotated `-> Answer` returns one of the kinds below, which
    Litestar recognises as an ASGI app by this async `__call__`."""

    __slots__ = ()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        raise NotImplementedError


class JsonAnswer(Answer):
    __slots__ = ("body",)

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = self.body
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [CONTENT_TYPE, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


class TensorAnswer(Answer):
    """An answer of the binary tensor data extension: a JSON header of `header_length` bytes, then
    the binary outputs (server/v2/binary.py)."""

    __slots__ = ("body", "header_length")

    def __init__(self, body: bytes, header_length: int) -> None:
        self.body = body
        self.header_length = header_length

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = [
            (b"content-type", b"application/octet-stream"),
            (b"inference-header-content-length", str(self.header_length).encode()),
            (b"content-length", str(len(self.body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})
