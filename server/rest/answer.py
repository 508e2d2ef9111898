"""Answers already encoded, sent by the endpoints (server/rest/endpoint.py) as the two ASGI
messages they are: the predictions are encoded by msgspec, so nothing of Litestar's `Response`
(header containers, cookies, background tasks) is needed."""

from __future__ import annotations

from litestar.types import HTTPResponseStartEvent, Send

JSON = ((b"content-type", b"application/json"),)


async def send_answer(send: Send, body: bytes, headers: tuple[tuple[bytes, bytes], ...] = JSON) -> None:
    """A 200 with `body` and `headers` (JSON's content type by default); Content-Length is added here."""
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 200,
        "headers": [*headers, (b"content-length", str(len(body)).encode())],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})
