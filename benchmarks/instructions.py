"""Instructions per single-product request, counted by valgrind's callgrind: a figure that does not
move with the load of a shared machine, for before/after comparisons of the hot path.

    python -m benchmarks.instructions [--app ours|bare] [--requests 640]

Drives the ASGI app in-process (no sockets, no HTTP parsing: the app's own cost, lifespan
included) with 32 concurrent clients posting single products drawn from the test TSV, and counts
the instructions of the measured requests only (collection is switched on after start-up and a
warm-up, and off before shutdown), all threads of the process included (the model thread too).
Needs Debian's valgrind. Wall-clock figures stay with `make bench`: instructions are what the
code asks of the CPU, not how fast a loaded machine runs them."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.payloads import product_bodies

CLIENTS = 32
ENV_MEASURE = "BENCH_INSTRUCTIONS_CHILD"


def main() -> int:
    args = _parser().parse_args()
    if os.environ.get(ENV_MEASURE):
        asyncio.run(_drive(args.app, args.requests))
        return 0
    return _under_callgrind(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions")
    parser.add_argument("--app", choices=["ours", "bare"], default="ours", help="this server, or bare Litestar")
    parser.add_argument("--requests", type=int, default=640, help="measured requests (a multiple of 32)")
    return parser


def _under_callgrind(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={tmp}/callgrind.out",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            f"--app={args.app}",
            f"--requests={args.requests}",
        ]
        env = {**os.environ, ENV_MEASURE: "1", "PROMETHEUS_MULTIPROC_DIR": tmp}
        try:
            done = subprocess.run(command, env=env, capture_output=True, text=True)
        except FileNotFoundError:
            sys.exit("valgrind not found: apt-get install valgrind (Debian's package)")
    if done.returncode != 0:
        sys.exit(f"the measured run failed:\n{done.stderr[-2000:]}")
    collected = re.search(r"Collected : (\d+)", done.stderr)
    if collected is None:
        sys.exit(f"no instruction count in callgrind's output:\n{done.stderr[-2000:]}")
    per_request = int(collected.group(1)) / args.requests
    print(f"{args.app}: {per_request:,.0f} instructions per single-product request ({args.requests} requests)")
    return 0


async def _drive(which: str, requests: int) -> None:
    app = _app(which)
    shutdown = await _start(app)
    data = Path(os.environ.get("DATA_DIR", "data"))
    bodies = product_bodies(data / "asos" / "exercise_test.tsv", 1, 200)
    gc.freeze()  # as the server does after loading its models
    await _clients(app, bodies, 20)  # warm-up: caches, lazily built routes, first batches
    _callgrind("on")
    await _clients(app, bodies, requests // CLIENTS)
    _callgrind("off")
    await shutdown()


def _app(which: str) -> Any:
    if which == "bare":
        from benchmarks.bare_app import create_app

        return create_app()
    from server.rest.app import create_server

    return create_server()


async def _start(app: Any) -> Any:
    """Runs the ASGI lifespan startup (models load here) and returns a function that shuts down."""
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    if started["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"app did not start: {started}")

    async def shutdown() -> None:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task

    return shutdown


async def _clients(app: Any, bodies: list[bytes], per_client: int) -> None:
    async def client(first: int) -> None:
        for i in range(per_client):
            await _post(app, bodies[(first + i) % len(bodies)])

    await asyncio.gather(*(client(k * per_client) for k in range(CLIENTS)))


async def _post(app: Any, body: bytes) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/predict",
        "raw_path": b"/predict",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # a client that stays: no disconnect
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    if statuses != [200]:
        raise RuntimeError(f"/predict answered {statuses}")


def _callgrind(state: str) -> None:
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], capture_output=True, check=True)


if __name__ == "__main__":
    sys.exit(main())
