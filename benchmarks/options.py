"""The command line of `python -m benchmarks.run` (what `make bench` passes as BENCH_ARGS)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from benchmarks.paths import ROOT


@dataclass(frozen=True)
class Options:
    duration: int  # seconds of load per measurement
    rounds: int
    connections: int
    out: str
    memory_seconds: int  # 0: no mixed-traffic memory run


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    parser.add_argument("--memory-seconds", type=int, default=60, help="mixed-traffic memory run (0: skip)")
    return parser


def parse(argv: list[str] | None = None) -> Options:
    args = parser().parse_args(argv)
    return Options(args.duration, args.rounds, args.connections, args.out, args.memory_seconds)
