"""Model metrics (Prometheus). Request metrics come from Litestar's Prometheus middleware.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR is set (gunicorn_conf.py) before any metric is
created, so every worker writes its own files and /metrics sums them."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

NAMESPACE = "catalogue"

INFERENCE_SECONDS = Histogram(
    "inference_seconds",
    "Time in the model runtime per request (tokenize + onnxruntime), by model",
    ["model"],
    namespace=NAMESPACE,
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
PRODUCTS_PER_REQUEST = Histogram(
    "products_per_request",
    "Products in one prediction request, by model",
    ["model"],
    namespace=NAMESPACE,
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
PREDICTIONS = Counter(
    "predictions",
    "Predicted labels, by model and label (the class distribution KPI)",
    ["model", "label"],
    namespace=NAMESPACE,
)
