"""Micro-batching: requests that arrive together share one model call.

onnxruntime's cost per call (binding, string tensors, ~20 small ops) dwarfs its cost per
product, so under concurrency one call for many requests is much cheaper than one each
(MLServer's adaptive batching and Triton's dynamic batching do the same). The batch runs in
`loop.call_soon`, right after the requests the event loop has already parsed in this turn
have queued their products: a lone request never waits for company."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from server.metrics import ModelMetrics

Item = TypeVar("Item")


class MicroBatcher(Generic[Item]):
    def __init__(self, predict: Callable[[Sequence[Item]], list[Any]], metrics: ModelMetrics, max_items: int) -> None:
        self._predict = predict
        self._metrics = metrics
        self.max_items = max_items
        self._pending: list[tuple[Sequence[Item], asyncio.Future[list[Any]]]] = []
        self._scheduled = False

    async def predict(self, items: Sequence[Item]) -> list[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Any]] = loop.create_future()
        self._pending.append((items, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._run)
        return await future

    def _run(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        for group in self._groups(pending):
            self._run_group(group)

    def _groups(self, pending: list[tuple[Sequence[Item], Any]]) -> list[list[tuple[Sequence[Item], Any]]]:
        """Consecutive requests up to max_items products per model call (a larger request runs alone)."""
        groups: list[list[tuple[Sequence[Item], Any]]] = []
        size = self.max_items
        for entry in pending:
            if size + len(entry[0]) > self.max_items:
                groups.append([])
                size = 0
            groups[-1].append(entry)
            size += len(entry[0])
        return groups

    def _run_group(self, group: list[tuple[Sequence[Item], asyncio.Future[list[Any]]]]) -> None:
        items = [item for request, _ in group for item in request]
        started = time.perf_counter()
        try:
            results = self._predict(items)
        except Exception as exc:  # every request of the batch learns why
            for _, future in group:
                if not future.done():
                    future.set_exception(exc)
            return
        self._metrics.observe_inference(time.perf_counter() - started, len(items))
        offset = 0
        for request, future in group:
            if not future.done():  # a client that went away has a cancelled future
                future.set_result(results[offset : offset + len(request)])
            offset += len(request)
