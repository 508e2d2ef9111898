"""The Prometheus metrics this server exports: names, help texts, labels and buckets, in one place.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR is set (gunicorn_conf.py) before any metric is
created, so every worker writes its own files and /metrics sums them. Every write is an
mmap update, so the hot path touches only pre-resolved label children: `labels()` costs
more than the update itself and is called once per label set, not once per request."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

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

# Shadow traffic (server/shadow.py), per pair of a served model and its shadow. Agreement rate:
# rate(shadow_agreed) / rate(shadow_compared). Every item mirrored is either compared or dropped.
SHADOW_COMPARED = Counter(
    "shadow_compared",
    "Items scored by both a model and its shadow, by model and shadow (the agreement rate's denominator)",
    ["model", "shadow"],
    namespace=NAMESPACE,
)
SHADOW_AGREED = Counter(
    "shadow_agreed",
    "Items on which the shadow's label equals the model's answer, by model and shadow",
    ["model", "shadow"],
    namespace=NAMESPACE,
)
SHADOW_PREDICTIONS = Counter(
    "shadow_predictions",
    "The shadow's labels on the items it scored, by model, shadow and label (its class distribution on live traffic)",
    ["model", "shadow", "label"],
    namespace=NAMESPACE,
)
SHADOW_DROPPED = Counter(
    "shadow_dropped",
    "Items a shadow did not score, by model, shadow and reason: queue_full (max_shadow_items), error (the "
    "shadow failed), shutdown (the worker exited first)",
    ["model", "shadow", "reason"],
    namespace=NAMESPACE,
)
