"""The pattern model's equivalence checks: the serving path must give scikit-learn's labels and probabilities.

Reference: `pipeline.predict` / `predict_proba` on what it was fit on (`model_inputs`).
Candidate: the server's own `TextClassificationRuntime` on the raw name and description. Real products
and hypothesis-generated Unicode text must both agree; a failure names the worst product.

The generated text depends only on the model's vocabulary and the strategies: the same model
gets the same examples, so its metadata records the same counts and differences.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol
from unittest import mock

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis.internal.conjecture import providers
from sklearn.pipeline import Pipeline

from contract.artifact import EquivalenceCheck
from contract.text import TextProduct
from inference.text_classification import Predictions
from training.export.gate import Gate
from training.pattern.export.generated_text import product_batches
from training.pattern.pipeline import VECTORIZER_STEP, model_inputs

# scikit-learn computes in float64, the graph in float32: 1e-5 covers the rounding, no more.
GATE = Gate(tolerance=1e-5)


class TextRuntime(Protocol):
    """What the checks need of a runtime: the serving one (inference.text_classification), or in
    tests another conversion behind its interface."""

    @property
    def labels(self) -> list[str]: ...

    def predict(self, products: Sequence[TextProduct]) -> Predictions: ...


class EquivalenceError(Exception):
    """The exported model disagrees with the scikit-learn pipeline."""


@dataclass
class _Comparison:
    products: int
    label_mismatches: int
    max_abs_probability_diff: float
    worst: str  # a description of the first mismatch, or of the largest difference


def compare(reference: Pipeline, runtime: TextRuntime, products: Sequence[TextProduct]) -> _Comparison:
    if list(reference.classes_) != runtime.labels:
        raise EquivalenceError(f"label order differs: sklearn {list(reference.classes_)} vs onnx {runtime.labels}")
    inputs = model_inputs(reference, products)
    expected_labels = reference.predict(inputs)
    expected_proba = reference.predict_proba(inputs)
    got = runtime.predict(products)
    mismatched = np.flatnonzero(expected_labels != np.asarray(got.labels, dtype=object))
    diff = np.abs(expected_proba - got.probabilities).max(axis=1)
    i = int(mismatched[0]) if len(mismatched) else int(diff.argmax())
    worst = f"product {products[i]!r}: sklearn {expected_labels[i]!r} vs onnx {got.labels[i]!r}, max |Δp| {diff[i]:.3g}"
    return _Comparison(len(products), len(mismatched), float(diff.max()), worst)


def check_products(
    name: str,
    reference: Pipeline,
    runtime: TextRuntime,
    products: Sequence[TextProduct],
    tolerance: float = GATE.tolerance,
) -> EquivalenceCheck:
    result = compare(reference, runtime, products)
    return _verdict(name, result, tolerance)


def check_generated(
    reference: Pipeline, runtime: TextRuntime, examples: int, tolerance: float = GATE.tolerance
) -> EquivalenceCheck:
    """Property: for any generated batch of products the two paths agree."""
    vocabulary = sorted(reference[VECTORIZER_STEP].vocabulary_)
    seen = {"products": 0, "max_diff": 0.0}

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(product_batches(vocabulary))
    def agrees(batch: list[TextProduct]) -> None:
        result = compare(reference, runtime, batch)
        seen["products"] += result.products
        seen["max_diff"] = max(seen["max_diff"], result.max_abs_probability_diff)
        assert result.label_mismatches == 0 and result.max_abs_probability_diff <= tolerance, result.worst

    try:
        with _without_local_constants():
            agrees()
    except AssertionError as exc:
        raise EquivalenceError(f"generated text: {exc}") from exc
    return EquivalenceCheck("generated_unicode_text", int(seen["products"]), 0, seen["max_diff"], True)


@contextmanager
def _without_local_constants() -> Iterator[None]:
    """Hypothesis also draws, now and then, literals it finds in the *project's own* modules that
    happen to be imported (any string or number in server/, training/, contract/...). With them the
    examples, and the product count and largest difference the metadata records, changed with every
    edit anywhere in the repository and with what the process had imported: the same model got new
    metadata. `derandomize` fixes the seed, this fixes the rest. Private API of the pinned
    hypothesis: `mock.patch` fails loudly if it moves (tests/training/test_determinism.py checks the effect)."""
    providers.CONSTANTS_CACHE.cache.clear()  # may hold local constants from an earlier run
    try:
        with mock.patch.object(providers, "_get_local_constants", providers.Constants):
            yield
    finally:
        providers.CONSTANTS_CACHE.cache.clear()  # later runs in this process see their constants again


def _verdict(name: str, result: _Comparison, tolerance: float) -> EquivalenceCheck:
    gate = Gate(tolerance)
    if not gate.passes(result.label_mismatches, result.max_abs_probability_diff):
        raise EquivalenceError(
            f"{name}: {result.label_mismatches}/{result.products} labels differ, max |Δp| "
            f"{result.max_abs_probability_diff:.3g} (tolerance {tolerance:g}); e.g. {result.worst}"
        )
    return gate.judge(name, result.products, result.label_mismatches, result.max_abs_probability_diff)
