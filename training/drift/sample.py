"""What a drift check compares: a sample's numeric input features and predicted classes, for the
training reference or a window of requests; every model's drift features produce one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.drift.stats import FeatureDrift, compare_classes, compare_numeric


@dataclass(frozen=True)
class Sample:
    numeric: dict[str, np.ndarray]
    predictions: list[str]


def compare(reference: Sample, window: Sample, labels: list[str], prediction_name: str) -> list[FeatureDrift]:
    drifts = [compare_numeric(name, values, window.numeric[name]) for name, values in reference.numeric.items()]
    drifts.append(compare_classes(prediction_name, labels, reference.predictions, window.predictions))
    return drifts


# What a model's drift check returns: every feature's drift, the reference and the window.
DriftResult = tuple[list[FeatureDrift], Sample, Sample]
