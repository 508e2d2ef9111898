"""Pattern inference: decoded products → runtime → predictions, with model metrics."""

from __future__ import annotations

import time
from collections import Counter

from server.codecs.pattern import PatternPrediction, PatternProduct
from server.metrics import INFERENCE_SECONDS, PREDICTIONS, PRODUCTS_PER_REQUEST
from server.runtimes.pattern import PatternRuntime


def predict_patterns(runtime: PatternRuntime, products: list[PatternProduct]) -> list[PatternPrediction]:
    if not products:
        return []
    started = time.perf_counter()
    labels = runtime.predict(products).labels  # PatternProduct has the TextProduct fields
    model = runtime.name
    INFERENCE_SECONDS.labels(model).observe(time.perf_counter() - started)
    PRODUCTS_PER_REQUEST.labels(model).observe(len(products))
    for label, count in Counter(labels).items():
        PREDICTIONS.labels(model, label).inc(count)
    return [PatternPrediction(label, p.product_id) for label, p in zip(labels, products, strict=True)]
