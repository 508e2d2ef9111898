"""HTTP request latency and status, by route, buffered and written in bulk."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from server.metrics.bulk import LabelChildren, observe_many
from server.metrics.definitions import HTTP_SECONDS


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
        # Requests answered before routing (refused by the admission) are counted under the route
        # whose path format ("/v2/models/{name}/infer", Litestar's `path_format`) their path
        # matches, as routed ones are: bounded label values, never a client's arbitrary path.
        self.route_paths = frozenset(path for path in route_paths if "{" not in path)
        self._templates = [(_pattern(path), path) for path in sorted(route_paths) if "{" in path]
        self._seconds = LabelChildren(HTTP_SECONDS)
        self._pending: dict[tuple[str, str, str], list[float]] = {}
        self._flush_scheduled = False

    def observe(self, scope: Any, status: int, seconds: float) -> None:
        route = scope.get("path_template") or self._route_of(scope["path"])
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

    def _route_of(self, path: str) -> str:
        if path in self.route_paths:
            return path
        return next((template for pattern, template in self._templates if pattern.fullmatch(path)), "unmatched")


def _pattern(path_format: str) -> re.Pattern[str]:
    """A path format's parameters ("{name}") as one path segment each."""
    return re.compile(re.sub(r"\\\{[^/]*?\\\}", "[^/]+", re.escape(path_format)))
