"""The rounds of a benchmark run: every (server, payload) pair measured round-robin, so that a
burst of load from the shared machine's other users spreads over all of them, with a progress
line per measurement."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import mlserver
from benchmarks.measurement import Measurement
from benchmarks.options import Options
from benchmarks.servers import BARE, MLSERVER, OURS, OURS_V2, SERVERS, TEMPLATE, Load, measure, measure_command, port

V2_PATH = "/v2/models/pattern/infer"


@dataclass(frozen=True)
class Contestant:
    name: str
    bodies: str  # which request bodies it takes: "brief" (POST /predict), "v2" (fields), "v2 text"
    run: Callable[[Path, Load], Measurement]


def contestants(env: dict[str, str], model_pickle: Path) -> list[Contestant]:
    """Every server measured on the products payloads, in the order of the report."""
    mlserver_command = mlserver.install()

    def run_mlserver(script: Path, load: Load) -> Measurement:
        repository = mlserver.repository(model_pickle, port())
        command = ["taskset", "-c", "0", str(mlserver_command), "start", str(repository)]
        return measure_command(command, {**os.environ}, V2_PATH, script, load, workers_only=False)

    return [
        Contestant(OURS, "brief", lambda script, load: measure(SERVERS[OURS], script, load, env)),
        Contestant(OURS_V2, "v2", lambda script, load: measure(SERVERS[OURS], script, load, env, V2_PATH)),
        Contestant(TEMPLATE, "brief", lambda script, load: measure(SERVERS[TEMPLATE], script, load, env)),
        Contestant(MLSERVER, "v2 text", run_mlserver),
        Contestant(BARE, "brief", lambda script, load: measure(SERVERS[BARE], script, load, env)),
    ]


def products(
    scripts: dict[str, dict[str, Path]], options: Options, env: dict[str, str], model_pickle: Path
) -> dict[tuple[str, str], list[Measurement]]:
    """Every contestant, for each payload: `scripts[bodies][payload]` is the wrk script."""
    load = Load(options.duration, options.connections)
    results: dict[tuple[str, str], list[Measurement]] = {}
    servers = contestants(env, model_pickle)
    for round_ in range(options.rounds):
        for server in servers:
            name = server.name
            for payload, script in scripts[server.bodies].items():
                m = server.run(script, load)
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
