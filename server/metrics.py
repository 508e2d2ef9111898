"""Prometheus metrics: HTTP requests (an ASGI middleware) and per-model inference.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR is set (gunicorn_conf.py) before any metric is
created, so every worker writes its own files and /metrics sums them. Every write is an
mmap update, so the hot path touches only pre-resolved label children: `labels()` costs
more than the update itself and is called once per label set, not once per request."""

from __future__ import annotations

import time
from collections.abc import Iterable
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
    """The inference metrics of one loaded model."""

    def __init__(self, model: str, labels: Iterable[str]) -> None:
        self._seconds = INFERENCE_SECONDS.labels(model)
        self._batch = BATCH_PRODUCTS.labels(model)
        self._products = PRODUCTS_PER_REQUEST.labels(model)
        self._predictions = {label: PREDICTIONS.labels(model, label) for label in labels}
        self._confidence = CONFIDENCE.labels(model)
        self._confidence_bounds = np.array(self._confidence._upper_bounds)  # ends with +Inf

    def observe_inference(self, seconds: float, products: int) -> None:
        self._seconds.observe(seconds)
        self._batch.observe(products)

    def observe_confidence(self, confidences: np.ndarray) -> None:
        """One observation per prediction. prometheus_client has no bulk observe, and one
        `observe` per product cost ~3.5 µs each in multiprocess mode (350 µs for a batch of 100),
        so a batch is counted per bucket with numpy and each touched bucket written once."""
        if len(confidences) == 1:
            self._confidence.observe(float(confidences[0]))
            return
        child = self._confidence
        bucket_of = np.searchsorted(self._confidence_bounds, confidences, side="left")  # v <= bound
        counts = np.bincount(bucket_of, minlength=len(self._confidence_bounds))
        child._sum.inc(float(confidences.sum()))
        for index in np.flatnonzero(counts):
            child._buckets[index].inc(int(counts[index]))

    def observe_request(self, predicted: list[str]) -> None:
        self._products.observe(len(predicted))
        if len(predicted) == 1:
            self._predictions[predicted[0]].inc()
            return
        counts: dict[str, int] = {}
        for label in predicted:
            counts[label] = counts.get(label, 0) + 1
        for label, count in counts.items():
            self._predictions[label].inc(count)


class HttpMetricsMiddleware:
    """Counts and times HTTP requests by route template (set in the scope by Litestar's router;
    "unmatched" for 404s). A plain ASGI middleware: Litestar's Prometheus middleware builds a
    Request and label dicts per call, which showed in profiles."""

    def __init__(
        self,
        app: Any,
        route_paths: frozenset[str] = frozenset(),
        excluded_prefixes: tuple[str, ...] = ("/metrics", "/health", "/docs"),
    ) -> None:
        self.app = app
        # Requests answered before routing (refused by the admission) are counted under their
        # path when it is a route's: bounded label values, never a client's arbitrary path.
        self.route_paths = route_paths
        self.excluded_prefixes = excluded_prefixes
        self._seconds = _Children(HTTP_SECONDS)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.excluded_prefixes):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if no response starts, the server will answer 500

        async def send_and_capture(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_capture)
        finally:
            route = scope.get("path_template") or (scope["path"] if scope["path"] in self.route_paths else "unmatched")
            key = (route, scope["method"], str(status))
            self._seconds[key].observe(time.perf_counter() - started)
