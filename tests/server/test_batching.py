"""Micro-batching: concurrent requests share model calls but each gets its own answers."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from server.batching import MicroBatcher
from server.metrics.model import ModelMetrics


class Recorder:
    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.fail_on = fail_on

    def __call__(self, items: Sequence[str]) -> list[str]:
        self.calls.append(list(items))
        if self.fail_on in items:
            raise RuntimeError(f"model failed on {self.fail_on}")
        return [item.upper() for item in items]


def _batcher(model: Recorder, max_items: int = 256) -> MicroBatcher[str, list[str]]:
    return MicroBatcher(model, ModelMetrics("test-batching", []), max_items, ThreadPoolExecutor(1))


def test_concurrent_requests_share_one_call_and_get_their_own_results() -> None:
    model = Recorder()
    batcher = _batcher(model)

    async def scenario() -> list[list[str]]:
        return await asyncio.gather(*(batcher.predict([f"r{i}a", f"r{i}b"]) for i in range(10)))

    results = asyncio.run(scenario())
    assert results == [[f"R{i}A", f"R{i}B"] for i in range(10)]
    assert len(model.calls) == 1 and len(model.calls[0]) == 20


def test_a_lone_request_runs_at_once() -> None:
    model = Recorder()
    batcher = _batcher(model)

    async def scenario() -> list[str]:
        return await asyncio.wait_for(batcher.predict(["only"]), timeout=1)

    assert asyncio.run(scenario()) == ["ONLY"]


def test_calls_are_capped_at_max_items_and_a_large_request_runs_alone() -> None:
    model = Recorder()
    batcher = _batcher(model, max_items=5)

    async def scenario() -> list[list[str]]:
        sizes = [2, 2, 2, 7, 1]
        return await asyncio.gather(*(batcher.predict([f"{i}-{j}" for j in range(n)]) for i, n in enumerate(sizes)))

    results = asyncio.run(scenario())
    assert [len(r) for r in results] == [2, 2, 2, 7, 1]
    assert [len(call) for call in model.calls] == [4, 2, 7, 1]
    assert all(r == [x.upper() for x in r] for r in results)


def test_a_model_failure_reaches_every_request_of_the_batch_and_the_next_batch_works() -> None:
    model = Recorder(fail_on="bad")
    batcher = _batcher(model)

    async def scenario() -> tuple[list[object], list[str]]:
        failed = await asyncio.gather(batcher.predict(["ok"]), batcher.predict(["bad"]), return_exceptions=True)
        return list(failed), await batcher.predict(["again"])

    failed, after = asyncio.run(scenario())
    assert all(isinstance(f, RuntimeError) and "bad" in str(f) for f in failed)
    assert after == ["AGAIN"]


def test_a_cancelled_request_does_not_break_the_others() -> None:
    model = Recorder()
    batcher = _batcher(model)

    async def scenario() -> list[str]:
        gone = asyncio.ensure_future(batcher.predict(["gone"]))
        kept = asyncio.ensure_future(batcher.predict(["kept"]))
        await asyncio.sleep(0)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        return await kept

    assert asyncio.run(scenario()) == ["KEPT"]
