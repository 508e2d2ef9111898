"""Backpressure per model: how many items (products or images) a worker holds for one model,
waiting or running. A request that would take it over the limit is refused at once with 503 +
Retry-After (Triton's `max_queue_size`, Ray Serve's `max_queued_requests`) instead of waiting
behind work the worker cannot finish in time. Used from the event loop only: no lock."""

from __future__ import annotations

from types import TracebackType

from server.wire.errors import Overloaded


def has_room(in_use: int, items: int, limit: int) -> bool:
    """Whether `items` more fit beside the `in_use` held. A batch larger than the limit still fits
    when nothing is held: every legal request must be possible, it just runs alone."""
    return not in_use or in_use + items <= limit


class Capacity:
    def __init__(self, model: str, limit: int, setting: str, retry_after: int) -> None:
        self.model = model
        self.limit = limit
        self.setting = setting  # named in the refusal, e.g. max_queued_products
        self.retry_after = retry_after
        self.in_use = 0

    def check_room(self) -> None:
        """Refuse before decoding when the model is already full: a request of any size would be
        refused after decoding, and decoding 32 photos only to refuse them costs what serving does."""
        if self.in_use >= self.limit:
            raise self._overloaded(None)

    def reserve(self, items: int) -> Reservation:
        """Holds `items` until the returned context exits (`with capacity.reserve(n): ...`).
        A class, not @contextmanager: a generator-based context costs ~1.5 µs per request."""
        if not has_room(self.in_use, items, self.limit):
            raise self._overloaded(items)
        self.in_use += items
        return Reservation(self, items)

    def _overloaded(self, items: int | None) -> Overloaded:
        adds = f", this request adds {items}" if items is not None else ""
        return Overloaded(
            f"model {self.model!r} is full in this worker: {self.in_use} items queued{adds}, "
            f"limit {self.setting}={self.limit}; retry after {self.retry_after} s",
            self.retry_after,
            "queue",
        )


class Reservation:
    __slots__ = ("capacity", "items")

    def __init__(self, capacity: Capacity, items: int) -> None:
        self.capacity = capacity
        self.items = items

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.capacity.in_use -= self.items
