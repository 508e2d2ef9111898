"""wrk: run it (one thread, pinned to core 1) and read its text report into a Measurement."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from benchmarks.measurement import Measurement

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}
INSTALL = "wrk not found: apt-get install wrk (Debian's package)"


def installed() -> bool:
    return shutil.which("wrk") is not None


def run(url: str, script: Path, duration: int, connections: int) -> str:
    """wrk's report of `duration` seconds of `connections` keep-alive connections posting `script`'s bodies."""
    command = [
        "taskset",
        "-c",
        "1",
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def parse(output: str, rss_mib: float) -> Measurement:
    """The figures of wrk's report (`--latency`), with the worker's RSS measured beside it."""

    def latency(pct: str) -> float:
        value, unit = _search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", output).groups()
        return float(value) * UNITS[unit]

    rps = float(_search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    seconds = float(_search(r"requests in ([\d.]+)s", output).group(1))
    # Both lines are absent when there is nothing to count.
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    shed = int(non_2xx.group(1)) if non_2xx else 0
    errors = sum(map(int, socket_errors.groups())) if socket_errors else 0
    return Measurement(rps, latency("50"), latency("90"), latency("99"), shed, errors, rss_mib, seconds)


def _search(pattern: str, output: str) -> re.Match[str]:
    match = re.search(pattern, output, re.M)
    if match is None:
        raise ValueError(f"wrk's report has no line matching {pattern!r}:\n{output}")
    return match
