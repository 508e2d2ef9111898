"""Admission: how many requests a worker takes on at once, and how long each may take.

An ASGI middleware outside the app. Beyond `max_inflight_requests` requests in this worker
(reading their body, waiting or running), a request is answered 503 + Retry-After at once
instead of queueing behind work the worker cannot finish in time (Ray Serve's
`max_ongoing_requests`, BentoML's `max_concurrency`). Each admitted request has a deadline,
`request_timeout` seconds from its last body byte (reading the body has its own timeout in the
connection, server/worker/protocol.py): past it, the request is cancelled (a batch it waits for
goes on without it) and answered 504. Health and metrics are never refused or timed out: a
probe must see the worker as it is, busy or not."""

from __future__ import annotations

import asyncio
from typing import Any

from server.codecs.errors import encode_error
from server.metrics import SHED, TIMED_OUT
from server.settings import ServerSettings

EXEMPT_PREFIXES = ("/health", "/metrics")


class AdmissionMiddleware:
    def __init__(self, app: Any, settings: ServerSettings) -> None:
        self.app = app
        self.max_inflight = settings.max_inflight_requests
        self.request_timeout = settings.request_timeout
        self.retry_after = str(settings.retry_after_seconds).encode()
        self.inflight = 0
        self._shed = SHED.labels("in_flight")
        self._deadline = TIMED_OUT.labels("deadline")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.max_inflight:
            self._shed.inc()
            detail = (
                f"worker is full: {self.inflight} requests in flight, limit max_inflight_requests="
                f"{self.max_inflight}; retry after {self.retry_after.decode()} s"
            )
            await _respond(send, 503, detail, [(b"retry-after", self.retry_after)])
            return
        self.inflight += 1
        try:
            await self._with_deadline(scope, receive, send)
        finally:
            self.inflight -= 1

    async def _with_deadline(self, scope: Any, receive: Any, send: Any) -> None:
        loop = asyncio.get_running_loop()
        deadline = asyncio.timeout(None)  # armed once the body is in
        started = False

        async def receive_body() -> Any:
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                deadline.reschedule(loop.time() + self.request_timeout)
            return message

        async def send_tracked(message: Any) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            async with deadline:
                await self.app(scope, receive_body, send_tracked)
        except TimeoutError:
            if not deadline.expired():
                raise
            self._deadline.inc()
            if not started:
                detail = f"not answered within request_timeout={self.request_timeout} s; the work was cancelled"
                await _respond(send, 504, detail)


async def _respond(send: Any, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = encode_error(status, detail)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
