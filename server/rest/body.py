"""Reading a predict request's body: what Litestar's `body: bytes` parameter does (the route's
size limit, checked on the announced Content-Length first and then on the bytes received; a
client gone mid-body is a server-side 500 that the admission counts as 499), without building
Litestar's header containers and async stream for every request, which cost ~10% of a
single-product request (benchmarks/PROFILE.md)."""

from __future__ import annotations

from litestar import Request
from litestar.exceptions import InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge


async def read_body(request: Request, limit: int, announced: int | None) -> bytes:
    """The whole body, at most `limit` bytes; `announced` is the request's Content-Length."""
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
