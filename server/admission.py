"""Admission: how many requests a worker takes on at once, and how long each may take.

An ASGI middleware outside the app. Beyond `max_inflight_requests` requests in this worker
(received, waiting or running), a request is answered 503 + Retry-After at once instead of
queueing behind work the worker cannot finish in time (Ray Serve's `max_ongoing_requests`,
BentoML's `max_concurrency`). A request counts from its last body byte: clients still uploading
(bounded by the connection's body timeout and body budget) cannot take the slots of the work;
the limit is checked when a request arrives and again when its body is in. Each admitted request has a deadline,
`request_timeout` seconds from its last body byte (reading the body has its own timeout in the
connection, server/worker/protocol.py): past it, the request is cancelled (a batch it waits for
goes on without it) and answered 504. Health and metrics are never refused or timed out: a
probe must see the worker as it is, busy or not. Every other request, admitted or refused, is
timed into the HTTP metrics here (one ASGI layer for both jobs: each layer costs a coroutine and
a send wrapper per request).

Deadlines are checked by a sweep every DEADLINE_SWEEP_SECONDS, not by a timer per request:
`asyncio.timeout` costs ~5 µs per request, 3% of a single-product request."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from server.metrics.definitions import SHED, TIMED_OUT
from server.metrics.http import HttpMetrics
from server.settings import ServerSettings
from server.wire.errors import ANSWERED_BY_CONNECTION, V2_PATH, Overloaded, encode_error

EXEMPT_PREFIXES = ("/health", f"{V2_PATH}/health", "/metrics")  # never refused, never timed out, not timed
UNTIMED_PREFIXES = ("/docs",)  # admitted like any request, but not an API operation to time
METRICS_PATH = "/metrics"
DEADLINE_SWEEP_SECONDS = 0.1
CLIENT_CLOSED_REQUEST = 499


class AdmissionMiddleware:
    def __init__(self, app: Any, settings: ServerSettings, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics  # every admitted or refused request is timed here, by route and status
        self.max_inflight = settings.max_inflight_requests
        self.request_timeout = settings.request_timeout
        self.retry_after = str(settings.retry_after_seconds).encode()
        self.inflight = 0
        self._deadlines: dict[asyncio.Task[Any], float] = {}  # admitted requests whose body is in
        self._expired: set[asyncio.Task[Any]] = set()  # cancelled by the sweep, to answer 504
        self._sweeping = False
        self._shed = SHED.labels("in_flight")
        self._timed_out = TIMED_OUT.labels("deadline")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT_PREFIXES):
            if scope.get("path") == METRICS_PATH:
                self.metrics.flush()  # this worker's latest requests are in the scrape
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        if self.inflight >= self.max_inflight:
            self._shed.inc()
            await _respond(send, scope, 503, self._full_detail(), [(b"retry-after", self.retry_after)])
            self._observe(scope, 503, started)
            return
        # Admitted: one function, not a helper coroutine (this runs for every request).
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        status = 0  # no answer started yet
        gone = counted = False

        async def receive_body() -> Any:
            nonlocal gone, counted
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False) and not counted:
                if self.inflight >= self.max_inflight:  # raised inside the app: its error handler answers 503
                    raise Overloaded(self._full_detail(), int(self.retry_after), "in_flight")
                counted = True
                self.inflight += 1
                self._deadlines[task] = loop.time() + self.request_timeout
                if not self._sweeping:
                    self._sweeping = True
                    loop.call_later(DEADLINE_SWEEP_SECONDS, self._sweep, loop)
            elif message["type"] == "http.disconnect":
                gone = True
            return message

        async def send_tracked(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                if gone:
                    # Litestar answers a client gone mid-body with a 500 nobody receives; counted as
                    # 499 (nginx's "client closed request"), it stays out of the server-error rate,
                    # or as what the connection answered in its place (a 408 on the body timeout).
                    message = {**message, "status": scope.get(ANSWERED_BY_CONNECTION, CLIENT_CLOSED_REQUEST)}
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive_body, send_tracked)
        except asyncio.CancelledError:
            if task not in self._expired:
                raise  # the client or the server went away: not ours to answer
            task.uncancel()
            self._timed_out.inc()
            if not status:
                detail = f"not answered within request_timeout={self.request_timeout} s; the work was cancelled"
                await _respond(send, scope, 504, detail)
                status = 504
        finally:
            if counted:
                self.inflight -= 1
                del self._deadlines[task]
                if self._expired:
                    self._expired.discard(task)
            self._observe(scope, status or 500, started)  # 500: no answer started, the server sends one

    def _observe(self, scope: Any, status: int, started: float) -> None:
        if not scope["path"].startswith(UNTIMED_PREFIXES):
            self.metrics.observe(scope, status, time.perf_counter() - started)

    def _full_detail(self) -> str:
        return (
            f"worker is full: {self.inflight} requests in flight, limit max_inflight_requests="
            f"{self.max_inflight}; retry after {self.retry_after.decode()} s"
        )

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        for task, deadline in list(self._deadlines.items()):
            if deadline < now and task not in self._expired:
                self._expired.add(task)
                task.cancel()
        self._sweeping = bool(self._deadlines)
        if self._sweeping:
            loop.call_later(DEADLINE_SWEEP_SECONDS, self._sweep, loop)


async def _respond(
    send: Any, scope: Any, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = encode_error(status, detail, scope["path"])
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
