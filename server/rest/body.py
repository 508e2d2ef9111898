"""Reading a predict request's body: what Litestar's `body: bytes` parameter does (the route's
size limit, checked on the announced Content-Length first and then on the bytes received; a
client gone mid-body is a server-side 500 that the admission counts as 499), without building
Litestar's header containers and async stream for every request, which cost ~10% of a
single-product request (benchmarks/PROFILE.md)."""

from __future__ import annotations

import math

from litestar import Request
from litestar.exceptions import InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge


async def read_body(request: Request, announced: int | None) -> bytes:
    """The whole body, at most the route's `request_max_body_size` (the route's own, else the
    app's: Litestar's resolution, memoised per route); `announced` is the Content-Length."""
    limit = request.route_handler.resolve_request_max_body_size() or math.inf
    if announced is not None and announced > limit:
        raise RequestEntityTooLarge  # before reading a byte
    receive = request.receive
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InternalServerException("client disconnected prematurely")
        chunk: bytes = message.get("body", b"")  # type: ignore[assignment]  # an http.request message
        if chunk:
            size += len(chunk)
            if size > limit:
                raise RequestEntityTooLarge
            chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
