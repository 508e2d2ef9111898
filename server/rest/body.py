"""Reading a predict request's body from the ASGI `receive`, within the route's size limit:
checked on the announced Content-Length before a byte is read, then on the bytes received. A
client gone mid-body is a server-side 500 that the admission counts as 499."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.exceptions import InternalServerException
from litestar.types import Receive

from server.wire.errors import RequestError


@dataclass(frozen=True)
class BodyLimit:
    """A route's largest body, and the setting it comes from (named in the 413)."""

    setting: str
    size: int

    def exceeded(self) -> RequestError:
        return RequestError(413, f"request body over the limit {self.setting}={self.size}")


async def read_body(receive: Receive, announced: int | None, limit: BodyLimit) -> bytes:
    """The whole body; `announced` is the Content-Length, if any."""
    if announced is not None and announced > limit.size:
        raise limit.exceeded()  # before reading a byte
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise InternalServerException("client disconnected prematurely")
        chunk: bytes = message.get("body", b"")  # type: ignore[assignment]  # an http.request message
        if chunk:
            size += len(chunk)
            if size > limit.size:
                raise limit.exceeded()
            chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
