"""A worker's lifespan: load and warm up its models before it takes a request, release its
threads and cancel its pending shadow work after the last answer."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from litestar import Litestar

from server.registry import ModelRegistry


def worker_lifespan(
    registry: ModelRegistry, decode_pool: Executor
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        # Awaited: uvicorn starts accepting connections only after the lifespan has started, so a
        # new or restarted worker takes no request before its models are loaded and warmed up (the
        # other workers serve meanwhile). load_all records its own failures: a worker whose model
        # failed still serves liveness and says why it is not ready.
        await asyncio.get_running_loop().run_in_executor(None, registry.load_all)
        # Everything alive now (app, models, libraries) lives as long as the worker: moved out of
        # the collector's sight, a full collection walks only request garbage. Without this each
        # gen-2 collection paused the worker ~35 ms, the single-product p99 (benchmarks/PROFILE.md).
        gc.freeze()
        try:
            yield
        finally:
            registry.close()  # shadow work still pending: cancelled, not awaited (server/shadow.py)
            decode_pool.shutdown(wait=False, cancel_futures=True)

    return lifespan
