"""Shadow traffic: a served model's inputs are scored again by another model (its shadow, e.g.
`pattern` → `pattern-challenger`, SERVE_SHADOW_MODELS), off the response path, to measure on live
traffic how often a challenger agrees with the champion and which classes it answers before it is
promoted (Istio's and Seldon's traffic mirroring, inside one worker).

The hook is the champion's micro-batcher (`MirroredBatcher`): every route that scores the model
(POST /predict and /infer, the V2 infer route, POST /predict/category) goes through it, and a
mirrored batch is one hand-off, not one per request. Once a batch's answers are handed back, its
items go to the shadow's own micro-batcher (its own model thread) in a background task; the
answers never wait for it. A bounded count of items in shadow scoring per worker and pair
(SERVE_MAX_SHADOW_ITEMS) drops shadow work rather than letting it pile up, and a shadow's failure
is logged and counted, never answered. On shutdown pending shadow work is cancelled and counted:
it must not hold the worker's exit (server/lifespan.py).

A model without a shadow keeps the plain MicroBatcher: the hot path does not change."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any

from inference.predictions import Predictions
from server.batching import Entry, MicroBatcher
from server.capacity import has_room
from server.metrics.model import ModelMetrics
from server.metrics.shadow import ERROR, QUEUE_FULL, SHUTDOWN, ShadowMetrics

if TYPE_CHECKING:  # the pair's models, as the registry loaded them
    from server.registry import LoadedModel

log = logging.getLogger(__name__)

ShadowPredict = Callable[[list[Any]], Awaitable[Predictions]]
ERROR_LOG_SECONDS = 60.0  # a failing shadow fails every batch: one log line a minute, every failure counted


class Mirror:
    """One model and its shadow in this worker: hands the model's scored items to the shadow and
    counts what the shadow answered. Event loop only: no lock."""

    def __init__(self, model: str, shadow: str, labels: Sequence[str], predict: ShadowPredict, limit: int) -> None:
        self.model = model
        self.shadow = shadow
        self.limit = limit  # items in shadow scoring at once (max_shadow_items)
        self.metrics = ShadowMetrics(model, shadow, labels)
        self._predict = predict  # the shadow's micro-batcher: its own model thread
        self._tasks: dict[asyncio.Task[None], int] = {}  # kept: a task only the loop references may be collected
        self._error_logged_at = -ERROR_LOG_SECONDS

    def submit(self, loop: asyncio.AbstractEventLoop, items: list[Any], answers: list[str]) -> None:
        """Scores `items` with the shadow later, against the model's `answers`; drops them (counted)
        when the shadow already holds its limit (the model queues' rule, server/capacity.py: a batch
        over the limit is still taken when nothing is in shadow scoring)."""
        count = len(items)
        if not has_room(self.in_use, count, self.limit):
            self.metrics.dropped(QUEUE_FULL, count)
            return
        task = loop.create_task(self._score(items, answers))
        self._tasks[task] = count
        task.add_done_callback(self._forget)

    async def _score(self, items: list[Any], answers: list[str]) -> None:
        try:
            predictions = await self._predict(items)
        except Exception as exc:  # the shadow's problem, never the client's
            self.metrics.dropped(ERROR, len(items))
            self._log_error(exc)
            return
        self.metrics.observe(answers, predictions.labels)

    def _forget(self, task: asyncio.Task[None]) -> None:
        del self._tasks[task]

    @property
    def in_use(self) -> int:
        """Items in shadow scoring: those of the pending tasks."""
        return sum(self._tasks.values())

    def _log_error(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._error_logged_at >= ERROR_LOG_SECONDS:
            self._error_logged_at = now
            log.error(
                "shadow scoring failed",
                extra={"model": self.model, "shadow": self.shadow, "error": f"{type(exc).__name__}: {exc}"},
            )

    def close(self) -> None:
        """Cancels pending shadow work, counted as dropped: the worker is exiting and its answers
        are all sent; the items in a model call finish on the shadow's thread, unawaited."""
        for task, count in list(self._tasks.items()):
            if not task.done():
                self.metrics.dropped(SHUTDOWN, count)
                task.cancel()

    @property
    def pending(self) -> int:
        return len(self._tasks)


class MirroredBatcher(MicroBatcher[Any, Predictions]):
    """A model's micro-batcher that hands each scored batch to its shadow, once the batch's
    requests have their answers. `mirror` is set once the shadow has loaded and matched."""

    def __init__(
        self,
        predict: Callable[[Sequence[Any]], Predictions],
        metrics: ModelMetrics,
        max_items: int,
        executor: Executor,
    ) -> None:
        super().__init__(predict, metrics, max_items, executor)
        self.mirror: Mirror | None = None

    def _finish(self, loop: asyncio.AbstractEventLoop, group: list[Entry], job: Future[Predictions]) -> None:
        super()._finish(loop, group, job)  # the answers first, and the next batch dispatched
        if self.mirror is not None and job.exception() is None:
            self.mirror.submit(loop, [item for request, _ in group for item in request], job.result().labels)


def pair_problem(model: LoadedModel, shadow: LoadedModel) -> str | None:
    """Why `shadow` cannot shadow `model`, if it cannot: they differ in kind (the shadow could not
    read the items) or in labels (agreement would compare different classes)."""
    if model.kind is not shadow.kind:
        return f"{shadow.name!r} is of kind {shadow.kind.task}, {model.name!r} of kind {model.kind.task}"
    ours, theirs = set(model.metadata.labels), set(shadow.metadata.labels)
    if ours != theirs:
        return (
            f"agreement needs the same labels: only {shadow.name!r} has {sorted(theirs - ours)}, "
            f"only {model.name!r} has {sorted(ours - theirs)}"
        )
    return None
