"""The metrics of one model and its shadow (server/shadow.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from server.metrics.definitions import SHADOW_AGREED, SHADOW_COMPARED, SHADOW_DROPPED, SHADOW_PREDICTIONS

QUEUE_FULL = "queue_full"
ERROR = "error"
SHUTDOWN = "shutdown"
DROP_REASONS = (QUEUE_FULL, ERROR, SHUTDOWN)


class ShadowMetrics:
    """Written once per mirrored micro-batch, with bulk increments: every label child is resolved
    here, so a series exists (at 0) from the start and a rate over it is defined at once."""

    def __init__(self, model: str, shadow: str, labels: Iterable[str]) -> None:
        self._compared = SHADOW_COMPARED.labels(model, shadow)
        self._agreed = SHADOW_AGREED.labels(model, shadow)
        self._pair = (model, shadow)
        self._predictions = {label: SHADOW_PREDICTIONS.labels(model, shadow, label) for label in labels}
        self._dropped = {reason: SHADOW_DROPPED.labels(model, shadow, reason) for reason in DROP_REASONS}

    def observe(self, answers: Sequence[str], shadow_labels: Sequence[str]) -> None:
        """The model's answers and the shadow's labels for the same items, in the same order."""
        agreed = 0
        counts: dict[str, int] = {}
        for answer, label in zip(answers, shadow_labels, strict=True):
            agreed += answer == label
            counts[label] = counts.get(label, 0) + 1
        self._compared.inc(len(answers))
        if agreed:
            self._agreed.inc(agreed)
        for label, count in counts.items():
            self._label(label).inc(count)

    def _label(self, label: str) -> Any:
        child = self._predictions.get(label)
        if child is None:  # not among the metadata's labels: counted all the same, never a KeyError
            child = self._predictions[label] = SHADOW_PREDICTIONS.labels(*self._pair, label)
        return child

    def dropped(self, reason: str, items: int) -> None:
        self._dropped[reason].inc(items)
