"""The confidence histogram's bulk path counts exactly what one `observe` per value would."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from server.metrics.definitions import CONFIDENCE
from server.metrics.model import ModelMetrics


def _samples(model: str) -> dict[str, float]:
    (family,) = CONFIDENCE.collect()
    return {
        f"{s.name}{s.labels.get('le', '')}": s.value
        for s in family.samples
        if s.labels["model"] == model and not s.name.endswith("_created")
    }


@settings(max_examples=50, deadline=None)
@example([0.0, 0.2, 0.5, 0.95, 0.99, 1.0, 0.3], 1)  # values on bucket bounds belong to that bucket (v <= le)
@given(st.lists(st.floats(0.0, 1.0, width=32), min_size=1, max_size=300), st.integers(0, 10**9))
def test_bulk_confidence_equals_one_observe_per_value(values: list[float], tag: int) -> None:
    bulk, single = ModelMetrics(f"bulk-{tag}", []), ModelMetrics(f"single-{tag}", [])
    array = np.array(values, dtype=np.float32)
    bulk.observe_confidence(array)
    for value in array:
        single._confidence.observe(float(value))
    found, expected = _samples(f"bulk-{tag}"), _samples(f"single-{tag}")
    assert found.keys() == expected.keys()
    for key, value in expected.items():
        assert found[key] == value or abs(found[key] - value) < 1e-4, key  # _sum adds in another order
