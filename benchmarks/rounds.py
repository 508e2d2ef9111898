"""The rounds of a benchmark run: every (server, payload) pair measured round-robin, so that a
burst of load from the shared machine's other users spreads over all of them, with a progress
line per measurement."""

from __future__ import annotations

from pathlib import Path

from benchmarks.measurement import Measurement
from benchmarks.options import Options
from benchmarks.servers import OURS, SERVERS, Load, measure


def products(
    scripts: dict[str, Path], options: Options, env: dict[str, str]
) -> dict[tuple[str, str], list[Measurement]]:
    """POST /predict on every server, for each payload (name: wrk script)."""
    load = Load(options.duration, options.connections)
    results: dict[tuple[str, str], list[Measurement]] = {}
    for round_ in range(options.rounds):
        for name, target in SERVERS.items():
            for payload, script in scripts.items():
                m = measure(target, script, load, env)
                results.setdefault((name, payload), []).append(m)
                print(
                    f"round {round_ + 1}: {name} / {payload}: {m.rps:.0f} req/s, p50 {m.p50_ms:.2f} ms, "
                    f"p99 {m.p99_ms:.2f} ms, shed {m.shed}, errors {m.errors}, RSS {m.rss_mib:.0f} MiB",
                    flush=True,
                )
    return results


def category(scripts: dict[int, Path], options: Options) -> dict[int, list[Measurement]]:
    """POST /predict/category on this server, for each number of images per request."""
    load = Load(options.duration, options.connections)
    results: dict[int, list[Measurement]] = {}
    for round_ in range(options.rounds):
        for n, script in scripts.items():
            m = measure(SERVERS[OURS], script, load, {}, path="/predict/category")
            results.setdefault(n, []).append(m)
            print(f"round {round_ + 1}: category / {n} images: {m.rps:.0f} req/s, p50 {m.p50_ms:.2f} ms", flush=True)
    return results
