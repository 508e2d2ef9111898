"""The paired comparison's fast macro-F1 is scikit-learn's."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score

from training.pattern.comparison import macro_f1_rows

CLASSES = 4


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, CLASSES - 1), st.integers(0, CLASSES - 1)), min_size=1, max_size=60))
def test_macro_f1_rows_equals_scikit_learns(pairs: list[tuple[int, int]]) -> None:
    truth, predicted = np.array(pairs).T
    ours = macro_f1_rows(truth[None, :], predicted[None, :], CLASSES)[0]
    expected = f1_score(truth, predicted, labels=list(range(CLASSES)), average="macro", zero_division=0)
    assert np.isclose(ours, expected, rtol=0, atol=1e-12)
