"""The metrics of one model and its shadow (server/shadow.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from server.metrics.bulk import LabelChildren, inc_per_label
from server.metrics.definitions import SHADOW_AGREED, SHADOW_COMPARED, SHADOW_DROPPED, SHADOW_PREDICTIONS

QUEUE_FULL = "queue_full"
ERROR = "error"
SHUTDOWN = "shutdown"
DROP_REASONS = (QUEUE_FULL, ERROR, SHUTDOWN)


class ShadowMetrics:
    """Written once per mirrored micro-batch, with bulk increments: every label child is resolved
    here, so a series exists (at 0) from the start and a rate over it is defined at once. A label
    outside the metadata's is counted all the same (resolved when first seen)."""

    def __init__(self, model: str, shadow: str, labels: Iterable[str]) -> None:
        self._compared = SHADOW_COMPARED.labels(model, shadow)
        self._agreed = SHADOW_AGREED.labels(model, shadow)
        self._pair = (model, shadow)
        self._predictions = LabelChildren(SHADOW_PREDICTIONS)
        for label in labels:
            self._label(label)  # resolved now: the series starts at 0
        self._dropped = {reason: SHADOW_DROPPED.labels(model, shadow, reason) for reason in DROP_REASONS}

    def observe(self, answers: Sequence[str], shadow_labels: Sequence[str]) -> None:
        """The model's answers and the shadow's labels for the same items, in the same order."""
        agreed = sum(answer == label for answer, label in zip(answers, shadow_labels, strict=True))
        self._compared.inc(len(answers))
        if agreed:
            self._agreed.inc(agreed)
        inc_per_label(self._label, shadow_labels)

    def _label(self, label: str) -> Any:
        return self._predictions[(*self._pair, label)]

    def dropped(self, reason: str, items: int) -> None:
        self._dropped[reason].inc(items)
