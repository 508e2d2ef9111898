"""The gunicorn worker class (`worker_class` in server/gunicorn_conf.py): uvicorn's worker with
guarded connections (protocol.py), their timeout sweep and the lame-duck drain (server.py)."""

from __future__ import annotations

import functools
import sys
from typing import Any

from gunicorn.arbiter import Arbiter
from uvicorn_worker import UvicornWorker

from server.settings import ServerSettings
from server.worker.protocol import BodyBudget, GuardedHttpProtocol
from server.worker.server import GuardedServer


class GuardedWorker(UvicornWorker):
    # The standard library's event loop, not uvloop: under a flood of busy keep-alive connections
    # uvloop stopped accepting new ones until the flood ended (readiness probes waited 3-5 s with
    # 1,024 connections); asyncio's loop accepted them within ~0.1 s at equal throughput
    # (benchmarks/PROFILE.md).
    # No WebSocket protocol: the API has none, and an upgrade would hand the socket (and any body
    # budget it reserved) to a protocol that never gives it back.
    CONFIG_KWARGS = {"loop": "asyncio", "http": "httptools", "ws": "none"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = ServerSettings.from_env()
        # uvicorn builds one protocol per connection from this; all share the worker's body budget.
        self.config.http = functools.partial(
            GuardedHttpProtocol,
            settings=settings,
            budget=BodyBudget(settings.max_buffered_body_bytes),
        )
        self.drain_seconds = settings.drain_seconds

    async def _serve(self) -> None:
        # UvicornWorker._serve with the guarded server in place of uvicorn's.
        self.config.app = self.wsgi
        server = GuardedServer(self.config, self.drain_seconds, self.sockets)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
