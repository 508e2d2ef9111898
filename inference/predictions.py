"""What every runtime answers for a batch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Predictions:
    labels: list[str]
    probabilities: np.ndarray  # (items, labels), columns in the runtime's `labels` order

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, items: slice) -> Predictions:
        """The predictions of a run of items: what one request of a micro-batch gets back."""
        return Predictions(self.labels[items], self.probabilities[items])
