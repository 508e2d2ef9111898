"""What every runtime answers for a batch."""

from __future__ import annotations

import numpy as np


class Predictions:
    """Labels, and probabilities (items, labels) with columns in the runtime's `labels` order.

    A micro-batch's predictions are sliced into one `Predictions` per request
    (server/batching.py); the probability rows of a slice are cut only when read, because a
    request that wants labels alone (POST /predict) would otherwise pay a numpy view for nothing
    (~1% of a single-product request, benchmarks/PROFILE.md)."""

    __slots__ = ("_all", "_rows", "labels")

    def __init__(self, labels: list[str], probabilities: np.ndarray, rows: slice | None = None) -> None:
        self.labels = labels
        self._all = probabilities
        self._rows = rows

    @property
    def probabilities(self) -> np.ndarray:
        return self._all if self._rows is None else self._all[self._rows]

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, items: slice) -> Predictions:
        """The predictions of a run of items: what one request of a micro-batch gets back."""
        # Contiguous, non-negative runs only: what a micro-batch is cut into (slice.indices() would
        # cost ~0.5% of a single-product request).
        start = items.start or 0
        stop = len(self.labels) if items.stop is None else items.stop
        base = 0 if self._rows is None else self._rows.start
        return Predictions(self.labels[items], self._all, slice(base + start, base + stop))
