"""uvicorn's server, guarded: a periodic sweep of connection timeouts, and a lame-duck drain that
is what a worker does between SIGTERM and exit.

uvicorn on SIGTERM closes its listener and every idle keep-alive connection at once: requests
already sent on those connections, or waiting in the kernel's accept queue, are reset. Here
SIGTERM starts a drain instead (Kubernetes keeps routing to a terminating pod for a few seconds,
until its endpoints are removed):
1. for `drain_seconds` the worker keeps accepting and serving, readiness answers 503 and every
   answer carries `Connection: close`, so keep-alive clients reconnect, elsewhere;
2. then new handshakes are refused at the socket and what the kernel already queued is accepted
   and served (server/worker/listener.py);
3. then uvicorn's own shutdown: stop accepting, finish every request in progress, exit."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections.abc import Sequence
from types import FrameType

from uvicorn.config import Config
from uvicorn.server import Server

from server.lifecycle import LIFECYCLE
from server.worker.listener import master_has_closed, refuse_new_connections
from server.worker.protocol import GuardedHttpProtocol

log = logging.getLogger(__name__)

# After new SYNs are dropped, time for handshakes already under way (one round trip) to complete
# and be accepted before the listener closes.
SETTLE_SECONDS = 0.5
SWEEP_SECONDS = 0.2  # how often connection timeouts are checked


class GuardedServer(Server):
    def __init__(self, config: Config, drain_seconds: float, listeners: Sequence[socket.socket]) -> None:
        super().__init__(config)
        self.drain_seconds = drain_seconds
        self.listeners = listeners
        self._draining_task: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGTERM and not LIFECYCLE.draining:
            LIFECYCLE.start_draining()  # on_tick drains, then exits through uvicorn's own path
            return
        super().handle_exit(sig, frame)  # SIGINT, or a second SIGTERM: stop now

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        # Until the worker exits, shutdown included (uvicorn stops ticking then, and waits for
        # every connection to close): a connection still sending its request is answered or timed out.
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_every(SWEEP_SECONDS))

    async def on_tick(self, counter: int) -> bool:
        if LIFECYCLE.draining and self._draining_task is None:
            log.info("draining: readiness 503, answers close their connections", extra={"seconds": self.drain_seconds})
            for connection in self._guarded():
                connection.drain()
            self._draining_task = asyncio.get_running_loop().create_task(self._drain())
        return await super().on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().shutdown(sockets)
        finally:
            if self._sweeper is not None:
                self._sweeper.cancel()

    def _guarded(self) -> list[GuardedHttpProtocol]:
        return [c for c in self.server_state.connections if isinstance(c, GuardedHttpProtocol)]

    async def _sweep_every(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(seconds)
            now = loop.time()
            for connection in self._guarded():
                connection.check_timeouts(now)

    async def _drain(self) -> None:
        await asyncio.sleep(self.drain_seconds)
        try:
            shared = [sock for sock in self.listeners if master_has_closed(sock)]
            for sock in shared:
                refuse_new_connections(sock)
            if shared:
                await asyncio.sleep(SETTLE_SECONDS)
        except OSError:  # no filter: close as uvicorn does (a connection queued at that instant may reset)
            log.exception("could not stop new connections at the socket")
        finally:
            log.info("drained: no new connections; finishing the requests in progress")
            super().handle_exit(signal.SIGTERM, None)
