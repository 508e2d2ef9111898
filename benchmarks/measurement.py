"""One load measurement's figures, and the statistics over rounds (medians, per-round ratios).

The machine is shared and noisy: every figure reported is a median over rounds, and a ratio
between two servers is taken within a round (same machine state) before the median."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, fields


@dataclass
class Measurement:
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    shed: int  # non-2xx answers: 503 + Retry-After when the worker is full (nothing else is expected)
    errors: int  # socket errors and timeouts
    rss_mib: float

    @property
    def ok_rps(self) -> float:
        """Answered requests per second: requests/s less the shed ones."""
        return self.rps - self.shed / self.seconds if self.seconds else self.rps

    seconds: float = 0.0  # the measurement's duration


def median(ms: list[Measurement]) -> Measurement:
    """Each figure's median over the rounds (figure by figure, so not one round's row)."""
    return Measurement(*(statistics.median(getattr(m, f.name) for m in ms) for f in fields(Measurement)))


def round_ratios(ours: list[Measurement], other: list[Measurement], figure: str = "rps") -> list[float]:
    """ours / other for `figure`, round by round."""
    return [getattr(a, figure) / getattr(b, figure) for a, b in zip(ours, other, strict=True)]
