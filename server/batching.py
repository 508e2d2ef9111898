"""Micro-batching on a model thread: requests that arrive together share one model call, and
the call runs off the event loop.

onnxruntime's cost per call (binding, ~20 small ops) dwarfs its cost per
product, so under concurrency one call for many requests is much cheaper than one each
(MLServer's adaptive batching and Triton's dynamic batching do the same). Each model has one
thread of its own (Triton's scheduler thread): the event loop only queues requests and hands
results back, so health checks, metrics and other requests keep answering while a batch runs.
While one batch runs, the requests that arrive queue up and become the next batch; a lone
request is dispatched at the end of the loop turn that parsed it, never waiting for company."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future
from typing import Any, Generic, Protocol, TypeVar

from server.metrics.model import ModelMetrics


class Sliceable(Protocol):
    """A model call's results, one per item, of which each request gets its own run."""

    def __getitem__(self, items: slice, /) -> Any: ...


Item = TypeVar("Item")
Results = TypeVar("Results", bound=Sliceable)
Entry = tuple[Sequence[Any], "asyncio.Future[Any]"]


class MicroBatcher(Generic[Item, Results]):
    def __init__(
        self,
        predict: Callable[[Sequence[Item]], Results],
        metrics: ModelMetrics,
        max_items: int,
        executor: Executor,
    ) -> None:
        self._predict = predict
        self._metrics = metrics
        self.max_items = max_items
        self._executor = executor  # one thread: one model call at a time per worker
        self._pending: deque[Entry] = deque()
        self._busy = False  # a dispatch is scheduled or a batch is running

    async def predict(self, items: Sequence[Item]) -> Results:
        """The results of `items`, in order (`predict`'s results for them, sliced from the batch)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Results] = loop.create_future()
        self._pending.append((items, future))
        if not self._busy:
            self._busy = True
            # After the requests this loop turn has parsed have queued theirs.
            loop.call_soon(self._dispatch, loop)
        return await future

    def _dispatch(self, loop: asyncio.AbstractEventLoop) -> None:
        group = self._next_group()
        if not group:
            self._busy = False
            return
        items = [item for request, _ in group for item in request]
        sizes = [len(request) for request, _ in group]
        job = self._executor.submit(self._timed_predict, items, sizes)
        job.add_done_callback(lambda done: _call_soon_threadsafe(loop, self._finish, loop, group, done))

    def _next_group(self) -> list[Entry]:
        """Consecutive live requests up to max_items products (a larger request runs alone)."""
        group: list[Entry] = []
        size = 0
        while self._pending:
            items, future = self._pending[0]
            if future.done():  # cancelled: its client left or its deadline passed
                self._pending.popleft()
                continue
            if group and size + len(items) > self.max_items:
                break
            group.append(self._pending.popleft())
            size += len(items)
        return group

    def _timed_predict(self, items: list[Any], request_sizes: list[int]) -> Results:  # on the model thread
        started = time.perf_counter()
        results = self._predict(items)
        self._metrics.observe_batch(time.perf_counter() - started, request_sizes)
        return results

    def _finish(self, loop: asyncio.AbstractEventLoop, group: list[Entry], job: Future[Results]) -> None:
        exc = job.exception()
        results = job.result() if exc is None else None
        offset = 0
        for request, future in group:
            if future.done():  # cancelled while the batch ran
                pass
            elif results is None:  # every request of the batch learns why
                future.set_exception(exc)  # type: ignore[arg-type]  # results is None only when exc is set
            elif len(group) == 1:
                future.set_result(results)  # a batch of one request: all of it, no slice
            else:
                future.set_result(results[offset : offset + len(request)])
            offset += len(request)
        self._dispatch(loop)  # what queued meanwhile is the next batch


def _call_soon_threadsafe(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
    with contextlib.suppress(RuntimeError):  # the loop closed during shutdown: nobody is waiting any more
        loop.call_soon_threadsafe(callback, *args)
