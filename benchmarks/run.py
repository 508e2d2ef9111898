"""`make bench`: this server vs the brief's template approach vs a bare Litestar handler.

Each server runs one gunicorn/uvicorn worker pinned to core 0; wrk (one thread) runs on
core 1. Servers are measured round-robin for several rounds and the median is reported,
because the machine is shared and noisy. Also times in-process inference per product."""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

from benchmarks.inprocess import category_inprocess_table, inprocess_table
from benchmarks.memory import measure as measure_memory
from benchmarks.payloads import image_bodies, product_bodies, wrk_script
from benchmarks.template_model import write_pickle

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"
SERVERS = {
    "this server (Litestar + msgspec + onnxruntime)": "server.rest.app:create_server()",
    "template (FastAPI + pydantic + pickled scikit-learn)": "benchmarks.template_app:create_app()",
    "bare Litestar, constant answer (ceiling)": "benchmarks.bare_app:create_app()",
}
OURS, TEMPLATE, BARE = SERVERS
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


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


def main() -> int:
    args = _parser().parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install wrk (Debian's package)")
    WORK.mkdir(parents=True, exist_ok=True)
    data = Path(os.environ.get("DATA_DIR", "data"))
    test_tsv = data / "asos" / "exercise_test.tsv"
    model_pickle = write_pickle(ROOT / "artifacts" / "pattern", WORK / "model.pkl")
    scripts = {
        "1 product": wrk_script(product_bodies(test_tsv, 1, 200), WORK / "single.lua"),
        "100 products": wrk_script(product_bodies(test_tsv, 100, 20), WORK / "batch.lua"),
    }
    results: dict[tuple[str, str], list[Measurement]] = {}
    for round_ in range(args.rounds):
        for name, target in SERVERS.items():
            for payload, script in scripts.items():
                m = _measure(target, script, args, {"BENCH_TEMPLATE_MODEL": str(model_pickle)})
                results.setdefault((name, payload), []).append(m)
                print(
                    f"round {round_ + 1}: {name} / {payload}: {m.rps:.0f} req/s, p50 {m.p50_ms:.2f} ms, "
                    f"p99 {m.p99_ms:.2f} ms, shed {m.shed}, errors {m.errors}, RSS {m.rss_mib:.0f} MiB",
                    flush=True,
                )
    medians = {key: _median(ms) for key, ms in results.items()}
    inprocess = inprocess_table(ROOT / "artifacts" / "pattern", model_pickle, test_tsv)
    category = _category(args, data / "fashion-mnist")
    memory = measure_memory(args.memory_seconds, data) if args.memory_seconds else ""
    report = _report(results, medians, inprocess, args) + category + memory
    Path(args.out).write_text(report)
    print(report)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    parser.add_argument("--memory-seconds", type=int, default=60, help="mixed-traffic memory run (0: skip)")
    return parser


CATEGORY_PAYLOADS = {1: 200, 32: 10}  # images per request: bodies in rotation


def _category(args: argparse.Namespace, fashion_dir: Path) -> str:
    """POST /predict/category on this server: images per second, photos of 112×112 PNG."""
    scripts = {
        n: wrk_script(image_bodies(fashion_dir, n, count), WORK / f"category-{n}.lua")
        for n, count in CATEGORY_PAYLOADS.items()
    }
    results: dict[int, list[Measurement]] = {}
    for round_ in range(args.rounds):
        for n, script in scripts.items():
            m = _measure(SERVERS[OURS], script, args, {}, path="/predict/category")
            results.setdefault(n, []).append(m)
            print(f"round {round_ + 1}: category / {n} images: {m.rps:.0f} req/s, p50 {m.p50_ms:.2f} ms", flush=True)
    lines = [
        "",
        "## Category model: POST /predict/category",
        "",
        "Same set-up (one worker on core 0, wrk on core 1, "
        f"{args.connections} connections, {args.rounds} rounds, medians). Each image is a Fashion-MNIST test "
        "image made into a product photo: inverted and upscaled to 112×112, PNG, base64 in JSON; the server "
        "decodes, fits it back into 28×28 (contract/image.py) and runs the ONNX CNN.",
        "",
        "| images per request | answered requests/s | images/s | p50 ms | p90 ms | p99 ms | shed (503) | errors "
        "| worker RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n, ms in results.items():
        m = _median(ms)
        lines.append(
            f"| {n} | {m.ok_rps:,.0f} | {m.ok_rps * n:,.0f} | {m.p50_ms:.2f} | {m.p90_ms:.2f} | {m.p99_ms:.2f} | "
            f"{m.shed} | {m.errors} | {m.rss_mib:.0f} |"
        )
    lines += [
        "",
        f"With {args.connections} connections of 32 images each, more images wait than a worker takes on "
        "(`SERVE_MAX_QUEUED_IMAGES`): the excess is answered 503 + Retry-After at once (the shed column) "
        "instead of queueing; images/s counts answered images only.",
    ]
    lines += ["", category_inprocess_table(ROOT / "artifacts" / "category", fashion_dir)]
    return "\n".join(lines) + "\n"


def _measure(
    target: str, script: Path, args: argparse.Namespace, env: dict[str, str], path: str = "/predict"
) -> Measurement:
    port = 18000 + os.getpid() % 1000
    environ = {**os.environ, **env, "PORT": str(port), "HOST": "127.0.0.1", "WORKERS": "1", "SERVE_DRAIN_SECONDS": "0"}
    command = ["taskset", "-c", "0", sys.executable, "-m", "gunicorn", "-c", "python:server.gunicorn_conf", target]
    with (WORK / "server.log").open("ab") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}{path}"
    try:
        _wait_ready(url, script, server)
        _wrk(url, script, 2, args.connections)  # warm-up
        output = _wrk(url, script, args.duration, args.connections)
        workers = psutil.Process(server.pid).children()
        rss = sum(w.memory_info().rss for w in workers) / 2**20
    finally:
        server.terminate()
        server.wait(timeout=30)
    return _parse(output, rss)


def _wait_ready(url: str, script: Path, server: subprocess.Popen) -> None:
    body = re.search(r"\[==\[(.*?)\]==\]", script.read_text(), re.S).group(1)
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"server exited: see {WORK / 'server.log'}")
        try:
            if httpx.post(url, content=body, headers={"Content-Type": "application/json"}).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not answering")


def _wrk(url: str, script: Path, duration: int, connections: int) -> str:
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


def _parse(output: str, rss_mib: float) -> Measurement:
    def latency(pct: str) -> float:
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * UNITS[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    seconds = float(re.search(r"requests in ([\d.]+)s", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    shed = int(non_2xx.group(1)) if non_2xx else 0
    errors = sum(map(int, socket_errors.groups())) if socket_errors else 0
    return Measurement(rps, latency("50"), latency("90"), latency("99"), shed, errors, rss_mib, seconds)


def _median(ms: list[Measurement]) -> Measurement:
    return Measurement(*(statistics.median(getattr(m, f) for m in ms) for f in Measurement.__dataclass_fields__))


def _round_ratios(
    results: dict[tuple[str, str], list[Measurement]], payload: str, other: str, figure: str = "rps"
) -> list[float]:
    pairs = zip(results[(OURS, payload)], results[(other, payload)], strict=True)
    return [getattr(ours, figure) / getattr(them, figure) for ours, them in pairs]


def _report(
    results: dict[tuple[str, str], list[Measurement]],
    medians: dict[tuple[str, str], Measurement],
    inprocess: str,
    args: argparse.Namespace,
) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `make bench` "
        f"(`python -m benchmarks.run --duration {args.duration} --rounds {args.rounds} "
        f"--connections {args.connections}`) on {_machine()}.",
        "",
        "How: each server runs **one** gunicorn + uvicorn worker pinned to core 0 (`taskset -c 0`); "
        f"wrk runs on core 1 with one thread and {args.connections} keep-alive connections, posting "
        "request bodies drawn from the test TSV in rotation (200 single-product bodies, 20 bodies of "
        f"100 products). After a 2 s warm-up each measurement lasts {args.duration} s; the servers "
        f"are measured round-robin for {args.rounds} rounds and each figure is the median over rounds. "
        "RSS is the worker's resident memory after the load.",
        "",
        "| server | payload | requests/s | products/s | p50 ms | p90 ms | p99 ms | shed (503) | errors "
        "| worker RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (name, payload), m in medians.items():
        products = m.rps * (100 if payload.startswith("100") else 1)
        lines.append(
            f"| {name} | {payload} | {m.rps:,.0f} | {products:,.0f} | {m.p50_ms:.2f} | {m.p90_ms:.2f} | "
            f"{m.p99_ms:.2f} | {m.shed} | {m.errors} | {m.rss_mib:.0f} |"
        )
    lines += [
        "",
        "## Ratios",
        "",
        "Requests/s ratios are taken within each round (the servers measured a minute apart, on the "
        "same machine state), then the median over rounds; the per-round values show the spread.",
        "",
        "| payload | this / template | per round | this / bare ceiling | per round | p99 this / bare | per round |",
        "|---|---|---|---|---|---|---|",
    ]
    for payload in ("1 product", "100 products"):
        vs_template = _round_ratios(results, payload, TEMPLATE)
        vs_bare = _round_ratios(results, payload, BARE)
        p99_vs_bare = _round_ratios(results, payload, BARE, "p99_ms")
        lines.append(
            f"| {payload} | {statistics.median(vs_template):.1f}x | {', '.join(f'{r:.1f}' for r in vs_template)} "
            f"| {statistics.median(vs_bare):.2f}x | {', '.join(f'{r:.2f}' for r in vs_bare)} "
            f"| {statistics.median(p99_vs_bare):.1f}x | {', '.join(f'{r:.1f}' for r in p99_vs_bare)} |"
        )
    lines += [
        "",
        "Targets (single product, one worker): at least 8x the template and at least 0.6x the bare ceiling "
        f"in requests/s; p99 at {args.connections} connections within 2x the bare ceiling's. "
        "How the hot path was profiled and what each change bought: [PROFILE.md](PROFILE.md).",
        "",
        inprocess,
    ]
    return "\n".join(lines) + "\n"


def _machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {psutil.cpu_count()} cores, Python {platform.python_version()}, shared machine"


if __name__ == "__main__":
    sys.exit(main())
