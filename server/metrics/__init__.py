"""Prometheus metrics. Under gunicorn, PROMETHEUS_MULTIPROC_DIR is set (gunicorn_conf.py) before any
metric is created, so every worker writes its own files and /metrics sums them."""
