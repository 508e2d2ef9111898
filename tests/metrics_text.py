"""Reading a /metrics scrape in tests, with prometheus_client's own parser."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families

from server.metrics.http import HttpMetrics


def metric_sum(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called `name` (e.g. `catalogue_shadow_compared_total`) whose labels
    include `labels`, over every other label: across workers, routes, statuses."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def scrape_until(url: str, done: Callable[[str], bool]) -> str:
    """The server's /metrics text once `done` holds for it, or after 50 flush periods. Each worker
    writes its HTTP observations every HttpMetrics.FLUSH_SECONDS, so a scrape may miss another
    worker's latest ones; on a loaded machine a timer can also fire late."""
    deadline = time.monotonic() + 50 * HttpMetrics.FLUSH_SECONDS
    while True:
        text = httpx.get(url + "/metrics", headers={"Connection": "close"}).text
        if done(text) or time.monotonic() > deadline:
            return text
        time.sleep(HttpMetrics.FLUSH_SECONDS / 2)
