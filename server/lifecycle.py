"""This worker process's phase, shared by the HTTP connections and the app: serving, or
draining after SIGTERM (lame duck: readiness answers 503, every answer closes its connection)."""

from __future__ import annotations

import time


class Lifecycle:
    def __init__(self) -> None:
        self.draining_since: float | None = None  # time.monotonic() of the SIGTERM

    @property
    def draining(self) -> bool:
        return self.draining_since is not None

    def start_draining(self) -> None:
        if self.draining_since is None:
            self.draining_since = time.monotonic()


LIFECYCLE = Lifecycle()  # one per worker process
