"""wrk's text report is read into the figures `make bench` reports, and medians are taken
figure by figure over the rounds."""

from __future__ import annotations

import pytest

from benchmarks.measurement import Measurement, median, round_ratios
from benchmarks.wrk import parse

REPORT = """Running 10s test @ http://127.0.0.1:18000/predict
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     4.61ms  512.00us  12.31ms   90.00%
    Req/Sec     6.95k   100.00     7.10k    80.00%
  Latency Distribution
     50%  450.00us
     75%    4.80ms
     90%    5.10ms
     99%    1.20s
  69500 requests in 10.00s, 12.00MB read
  Socket errors: connect 0, read 1, write 2, timeout 3
  Non-2xx or 3xx responses: 500
Requests/sec:   6950.00
Transfer/sec:      1.20MB
"""


def test_wrk_report_gives_every_figure_in_milliseconds() -> None:
    m = parse(REPORT, rss_mib=80.0)
    assert (m.rps, m.p50_ms, m.p90_ms, m.p99_ms) == (6950.0, 0.45, 5.1, 1200.0)
    assert (m.shed, m.errors, m.rss_mib, m.seconds) == (500, 6, 80.0, 10.0)
    assert m.ok_rps == 6900.0  # the shed answers are not counted as answered


def test_a_clean_run_has_no_shed_or_error_lines() -> None:
    clean = "\n".join(line for line in REPORT.splitlines() if not line.lstrip().startswith(("Socket", "Non-2xx")))
    m = parse(clean, rss_mib=1.0)
    assert (m.shed, m.errors) == (0, 0)


def test_a_report_without_latencies_is_refused_with_the_output() -> None:
    with pytest.raises(ValueError, match="Requests/sec"):
        parse("Requests/sec: 1.0\n", rss_mib=1.0)


def test_medians_figure_by_figure_and_ratios_round_by_round() -> None:
    rounds = [Measurement(r, r / 10, 0, 0, 0, 0, 0) for r in (100.0, 300.0, 200.0)]
    assert median(rounds).rps == 200.0 and median(rounds).p50_ms == 20.0
    assert round_ratios(rounds, [Measurement(50.0, 1, 1, 1, 0, 0, 0)] * 3) == [2.0, 6.0, 4.0]
