"""Instructions per single-product request, counted by valgrind's callgrind: a figure that does not
move with the load of a shared machine, for before/after comparisons of the hot path.

    python -m benchmarks.instructions [--app ours|bare|bare-asgi] [--route predict|v2] [--requests 640] [--http]

In-process (default): drives the ASGI app (no sockets, no HTTP parsing: the app's own cost) with
32 concurrent clients posting single products drawn from the test TSV, and counts the
instructions of the measured requests only (collection is switched on after start-up and a
warm-up, and off before shutdown), all threads of the process included (the model thread too).

--http: the real server, one gunicorn worker under callgrind, 32 keep-alive connections from a
client process; the worker's instructions for 10 and for 50 requests per connection are counted
in two runs, and their difference divided by the extra requests (start-up and shutdown cancel
out). Minutes per run: everything in the worker runs ~50x slower under valgrind.

Needs Debian's valgrind. Wall-clock figures stay with `make bench`: instructions are what the
code asks of the CPU, not how fast a loaded machine runs them."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.payloads import product_bodies, v2_product_bodies

CLIENTS = 32
TARGETS = {  # --app: what gunicorn serves with --http
    "ours": "server.app:create_server()",
    "bare": "benchmarks.bare_app:create_app()",
    "bare-asgi": "benchmarks.bare_app:create_asgi_app()",
}
# --route: the path posted to, and its single-product bodies (the bare app serves /predict only).
ROUTES = {"predict": ("/predict", product_bodies), "v2": ("/v2/models/pattern/infer", v2_product_bodies)}
ENV_MEASURE = "BENCH_INSTRUCTIONS_CHILD"


def main() -> int:
    parser = _parser()
    args = parser.parse_args()
    if args.app != "ours" and args.route != "predict":
        parser.error(f"--app {args.app} serves /predict only: drop --route {args.route}, or use --app ours")
    if os.environ.get(ENV_MEASURE):
        asyncio.run(_drive(args.app, args.requests, args.route))
        return 0
    if args.http:
        return _http(args.app, args.route)
    return _under_callgrind(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions")
    parser.add_argument("--app", choices=sorted(TARGETS), default="ours", help="this server, or bare Litestar")
    parser.add_argument("--route", choices=sorted(ROUTES), default="predict", help="/predict, or the V2 infer route")
    parser.add_argument("--requests", type=int, default=640, help="measured requests (a multiple of 32)")
    parser.add_argument("--http", action="store_true", help="the real server over HTTP (one worker)")
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
            f"--route={args.route}",
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
    path = ROUTES[args.route][0]
    print(f"{args.app} {path}: {per_request:,.0f} instructions per single-product request ({args.requests} requests)")
    return 0


async def _drive(which: str, requests: int, route: str) -> None:
    app = _app(which)
    shutdown = await _start(app)
    path, bodies = _bodies(route)
    gc.freeze()  # as the server does after loading its models
    await _clients(app, path, bodies, 20)  # warm-up: caches, lazily built routes, first batches
    _callgrind("on")
    await _clients(app, path, bodies, requests // CLIENTS)
    _callgrind("off")
    await shutdown()


def _app(which: str) -> Any:
    """The app TARGETS names, built in this process: `module:factory()`."""
    module, factory = TARGETS[which].removesuffix("()").split(":")
    return getattr(importlib.import_module(module), factory)()


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


def _bodies(route: str) -> tuple[str, list[bytes]]:
    path, make = ROUTES[route]
    return path, make(Path(os.environ.get("DATA_DIR", "data")) / "asos" / "exercise_test.tsv", 1, 200)


async def _clients(app: Any, path: str, bodies: list[bytes], per_client: int) -> None:
    async def client(first: int) -> None:
        for i in range(per_client):
            await _post(app, path, bodies[(first + i) % len(bodies)])

    await asyncio.gather(*(client(k * per_client) for k in range(CLIENTS)))


async def _post(app: Any, path: str, body: bytes) -> None:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
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
        raise RuntimeError(f"{path} answered {statuses}")


HTTP_RUNS = (10, 50)  # requests per connection in the two runs


def _http(which: str, route: str) -> int:
    path, bodies = _bodies(route)
    totals = [_http_run(which, path, bodies, per_connection) for per_connection in HTTP_RUNS]
    extra = CLIENTS * (HTTP_RUNS[1] - HTTP_RUNS[0])
    per_request = (totals[1] - totals[0]) / extra
    print(
        f"{which} {path} over HTTP: {per_request:,.0f} instructions per single-product request in the worker {totals}"
    )
    return 0


def _http_run(which: str, path: str, bodies: list[bytes], per_connection: int) -> int:
    """The worker's instructions for start-up, `per_connection` requests on each of 32 connections
    and shutdown."""
    port = 18900 + os.getpid() % 100
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "WORKERS": "1",
            "SERVE_DRAIN_SECONDS": "0",
            "SERVE_WORKER_TIMEOUT": "600",  # start-up under valgrind takes minutes
            "PROMETHEUS_MULTIPROC_DIR": tmp,
        }
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.%p", sys.executable, "-m"]
        command += ["gunicorn", "-c", "python:server.gunicorn_conf", TARGETS[which]]
        try:
            server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            sys.exit("valgrind not found: apt-get install valgrind (Debian's package)")
        try:
            asyncio.run(_http_clients(port, _requests(path, bodies), per_connection, server))
        finally:
            server.terminate()
            server.wait(timeout=120)
        # The master's and the worker's counts: the worker's is the larger.
        return max(_callgrind_total(out) for out in Path(tmp).glob("cg.*"))


async def _http_clients(port: int, requests: list[bytes], per_connection: int, server: subprocess.Popen) -> None:
    for _ in range(1200):  # up to 10 minutes for the worker to load its models under valgrind
        if server.poll() is not None:
            raise RuntimeError("the server under valgrind exited")
        try:
            if await _http_post(port, requests[0]) == 200:
                break
        except OSError:
            pass
        await asyncio.sleep(0.5)
    else:
        raise TimeoutError("the server under valgrind never answered")

    async def connection(first: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for i in range(per_connection):
            writer.write(requests[(first + i) % len(requests)])
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"content-length: (\d+)", head, re.I)
            assert length is not None and head.startswith(b"HTTP/1.1 200"), head
            await reader.readexactly(int(length.group(1)))
        writer.close()

    await asyncio.gather(*(connection(k * per_connection) for k in range(CLIENTS)))


async def _http_post(port: int, request: bytes) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request.replace(b"keep-alive", b"close", 1))
    status = int((await reader.readline()).split()[1])
    writer.close()
    return status


def _requests(path: str, bodies: list[bytes]) -> list[bytes]:
    """Each body as a whole keep-alive HTTP/1.1 request to `path`."""
    head = b"POST %s HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n"
    return [head % path.encode() + b"Content-Length: %d\r\n\r\n" % len(body) + body for body in bodies]


def _callgrind_total(path: Path) -> int:
    found = re.search(r"^(?:summary|totals): (\d+)", path.read_text(), re.M)
    return int(found.group(1)) if found else 0


def _callgrind(state: str) -> None:
    subprocess.run(["callgrind_control", "-i", state, str(os.getpid())], capture_output=True, check=True)


if __name__ == "__main__":
    sys.exit(main())
