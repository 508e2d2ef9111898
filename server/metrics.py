"""Prometheus metrics: HTTP requests and per-model inference.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR is set (gunicorn_conf.py) before any metric is
created, so every worker writes its own files and /metrics sums them. Every write is an
mmap update, so the hot path touches only pre-resolved label children: `labels()` costs
more than the update itself and is called once per label set, not once per request."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from prometheus_client import Counter, Histogram
from prometheus_client.metrics import MetricWrapperBase

NAMESPACE = "catalogue"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

# Its _count is the request counter by route, method and status (no separate counter: one
# mmap write less per request).
HTTP_SECONDS = Histogram(
    "http_request_duration_seconds",
    "HTTP requests and their latency in the worker, by route, method and status",
    ["route", "method", "status"],
    namespace=NAMESPACE,
    buckets=LATENCY_BUCKETS,
)
INFERENCE_SECONDS = Histogram(
    "inference_seconds",
    "Time of one model call (preprocessing + onnxruntime) for a micro-batch, by model",
    ["model"],
    namespace=NAMESPACE,
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
BATCH_PRODUCTS = Histogram(
    "inference_batch_products",
    "Products in one model call (several requests' products when micro-batched), by model",
    ["model"],
    namespace=NAMESPACE,
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000),
)
PRODUCTS_PER_REQUEST = Histogram(
    "products_per_request",
    "Products in one prediction request, by model",
    ["model"],
    namespace=NAMESPACE,
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
CONFIDENCE = Histogram(
    "prediction_confidence",
    "Top class probability of each prediction, by model (the confidence KPI: a falling median "
    "means inputs the model finds unfamiliar)",
    ["model"],
    namespace=NAMESPACE,
    buckets=(0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99),
)
PREDICTIONS = Counter(
    "predictions",
    "Predicted labels, by model and label (the class-distribution KPI)",
    ["model", "label"],
    namespace=NAMESPACE,
)
SHED = Counter(
    "requests_shed",
    "Requests answered 503 + Retry-After because the worker was full, by reason: in_flight "
    "(max_inflight_requests), queue (a model's queued products or images), body_bytes "
    "(max_buffered_body_bytes)",
    ["reason"],
    namespace=NAMESPACE,
)
TIMED_OUT = Counter(
    "requests_timed_out",
    "Requests ended by a timeout, by phase: header (408), body (408), deadline (504)",
    ["phase"],
    namespace=NAMESPACE,
)


class _Children:
    """Label children of one metric, resolved once per label set."""

    def __init__(self, metric: MetricWrapperBase) -> None:
        self._metric = metric
        self._children: dict[tuple[str, ...], Any] = {}

    def __getitem__(self, labels: tuple[str, ...]) -> Any:
        child = self._children.get(labels)
        if child is None:
            child = self._children[labels] = self._metric.labels(*labels)
        return child


class ModelMetrics:
    """The inference metrics of one loaded model, written once per model call (micro-batch), not
    once per request: under load a batch holds ~15 single-product requests, and each metric write
    is an mmap update under a lock (~1 µs; five per request cost ~5% of a single-product request)."""

    def __init__(self, model: str, labels: Iterable[str]) -> None:
        self._seconds = INFERENCE_SECONDS.labels(model)
        self._batch = BATCH_PRODUCTS.labels(model)
        self._products = PRODUCTS_PER_REQUEST.labels(model)
        self._predictions = {label: PREDICTIONS.labels(model, label) for label in labels}
        self._confidence = CONFIDENCE.labels(model)

    def observe_batch(self, seconds: float, request_sizes: list[int]) -> None:
        """One model call: its time, its products, and how many products each of its requests had."""
        self._seconds.observe(seconds)
        self._batch.observe(sum(request_sizes))
        observe_many(self._products, request_sizes)

    def observe_predictions(self, labels: list[str], confidences: np.ndarray) -> None:
        """The predicted labels and top probabilities of one model call."""
        self.observe_confidence(confidences)
        if len(labels) == 1:
            self._predictions[labels[0]].inc()
            return
        counts: dict[str, int] = {}
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
        for label, count in counts.items():
            self._predictions[label].inc(count)

    def observe_confidence(self, confidences: np.ndarray) -> None:
        observe_many(self._confidence, confidences)


def observe_many(child: Any, values: Sequence[float] | np.ndarray) -> None:
    """One observation per value into a histogram child. prometheus_client has no bulk observe,
    and one `observe` per value cost ~3.5 µs each in multiprocess mode (350 µs for a batch of
    100), so the values are counted per bucket with numpy and each touched bucket written once."""
    if len(values) == 1:
        child.observe(float(values[0]))
        return
    bounds = child._upper_bounds  # ends with +Inf
    bucket_of = np.searchsorted(bounds, values, side="left")  # v <= bound
    counts = np.bincount(bucket_of, minlength=len(bounds))
    child._sum.inc(float(np.sum(values)))
    for index in np.flatnonzero(counts):
        child._buckets[index].inc(int(counts[index]))


class HttpMetrics:
    """Times HTTP requests by route template (set in the scope by Litestar's router; "unmatched"
    for 404s). Called by the admission middleware (server/admission.py), which sees every request
    and its status: one ASGI layer and one send wrapper per request instead of two.

    Observations are kept in memory and written in bulk every FLUSH_SECONDS, when this worker is
    scraped and when it stops: one `observe` in multiprocess mode is two mmap writes under a lock
    (~4% of a single-product request); a list append is nothing. A scrape can therefore miss at
    most the last FLUSH_SECONDS of another worker's requests, which the next scrape includes.
    Event loop only."""

    FLUSH_SECONDS = 0.1

    def __init__(self, route_paths: frozenset[str] = frozenset()) -> None:
        # Requests answered before routing (refused by the admission) are counted under their
        # path when it is a route's: bounded label values, never a client's arbitrary path.
        self.route_paths = route_paths
        self._seconds = _Children(HTTP_SECONDS)
        self._pending: dict[tuple[str, str, str], list[float]] = {}
        self._flush_scheduled = False

    def observe(self, scope: Any, status: int, seconds: float) -> None:
        route = scope.get("path_template") or (scope["path"] if scope["path"] in self.route_paths else "unmatched")
        key = (route, scope["method"], str(status))
        values = self._pending.get(key)
        if values is None:
            self._pending[key] = [seconds]
        else:
            values.append(seconds)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_later(self.FLUSH_SECONDS, self._scheduled_flush)

    def flush(self) -> None:
        pending, self._pending = self._pending, {}
        for key, values in pending.items():
            observe_many(self._seconds[key], values)

    def _scheduled_flush(self) -> None:
        self._flush_scheduled = False
        self.flush()
