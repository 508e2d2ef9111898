"""What every runtime answers for a batch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Predictions:
    labels: list[str]
    probabilities: np.ndarray  # (items, labels), columns in the runtime's `labels` order
