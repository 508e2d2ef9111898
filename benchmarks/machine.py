"""A one-line description of the machine the benchmarks ran on, for the report's header."""

from __future__ import annotations

import platform

import psutil


def describe() -> str:
    return f"{_cpu()}, {psutil.cpu_count()} cores, Python {platform.python_version()}, shared machine"


def _cpu() -> str:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"
