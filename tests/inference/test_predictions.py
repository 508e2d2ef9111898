"""A micro-batch's predictions cut into per-request runs: labels and probability rows stay aligned,
whether the rows are read from the batch or from a run of a run."""

from __future__ import annotations

import numpy as np

from inference.predictions import Predictions


def test_runs_keep_labels_and_rows_aligned() -> None:
    batch = Predictions(list("abcdef"), np.arange(12, dtype=np.float32).reshape(6, 2))
    run = batch[1:5]
    assert run.labels == list("bcde") and len(run) == 4
    np.testing.assert_array_equal(run.probabilities, batch.probabilities[1:5])
    inner = run[1:3]
    assert inner.labels == list("cd")
    np.testing.assert_array_equal(inner.probabilities, batch.probabilities[2:4])
    np.testing.assert_array_equal(batch[:].probabilities, batch.probabilities)
    assert batch[6:6].labels == [] and batch[6:6].probabilities.shape == (0, 2)
