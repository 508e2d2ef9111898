"""Worker memory under mixed traffic: the figure the pod's memory request and limit are sized from.

The real server (default settings, 2 workers, as in deploy/k8s) takes, at once and for the whole
run: keep-alive clients posting single products, batches of 100 products, batches of 32 product
photos, requests at the pixel budget (4 × 25-Mpx PNG), 256 large JPEGs, and stalled 16 MiB
uploads that hold the body budget. Each worker's RSS is sampled every second; the plateau is the
maximum over the second half of the run (after warm-up and first growth).

    python -m benchmarks.memory [--seconds 60]"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

from benchmarks.payloads import image_bodies, images_body, large_jpeg, large_png, product_bodies

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
SERVER = [sys.executable, "-m", "gunicorn", "-c", "python:server.gunicorn_conf", "server.app:create_server()"]


def measure(seconds: int, data: Path) -> str:
    port = 18500 + os.getpid() % 400
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "WORKERS": str(WORKERS), "SERVE_DRAIN_SECONDS": "0"}
    log = (ROOT / "benchmarks" / "work" / "memory-server.log").open("wb")
    server = subprocess.Popen(SERVER, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_ready(url, server)
        workers = psutil.Process(server.pid).children()
        start = {w.pid: w.memory_info().rss for w in workers}
        traffic = _traffic(url, port, data)
        samples = _run(traffic, seconds, workers)
        statuses = traffic.statuses
        master_rss = psutil.Process(server.pid).memory_info().rss
    finally:
        server.terminate()
        server.wait(timeout=60)
    return _report(seconds, start, samples, statuses, master_rss)


class Traffic:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.statuses: Counter[str] = Counter()
        self.loops: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def count(self, kind: str, status: int | str) -> None:
        with self._lock:
            self.statuses[f"{kind}: {status}"] += 1

    def post_loop(self, url: str, body: bytes, kind: str) -> Callable[[], None]:
        def loop() -> None:
            with httpx.Client(timeout=60) as client:
                while not self.stop.is_set():
                    try:
                        status = client.post(url, content=body, headers={"Content-Type": "application/json"})
                        self.count(kind, status.status_code)
                    except httpx.HTTPError as exc:
                        self.count(kind, type(exc).__name__)

        return loop


def _traffic(url: str, port: int, data: Path) -> Traffic:
    traffic = Traffic()
    single = product_bodies(data / "asos" / "exercise_test.tsv", 1, 1)[0]
    batch = product_bodies(data / "asos" / "exercise_test.tsv", 100, 1)[0]
    photos = image_bodies(data / "fashion-mnist", 32, 1)[0]
    for body, kind, clients in [
        (single, "1 product", 4),
        (batch, "100 products", 2),
        (photos, "32 photos", 2),
        (images_body(large_png(), 4), "4 × 25-Mpx PNG", 1),
        (images_body(large_jpeg(), 256), "256 large JPEGs", 1),
    ]:
        path = "/predict" if "product" in kind else "/predict/category"
        traffic.loops += [traffic.post_loop(url + path, body, kind)] * clients
    traffic.loops += [_stalled_uploads(traffic, port)] * 8
    return traffic


def _stalled_uploads(traffic: Traffic, port: int) -> Callable[[], None]:
    """Announce 16 MiB, send all but the last byte, wait for the server's answer (408 or 503)."""
    size = 16 << 20
    payload = b"[" + b" " * (size - 2)
    head = (
        f"POST /predict/category HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()

    def loop() -> None:
        while not traffic.stop.is_set():
            with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
                try:
                    sock.sendall(head)
                    with contextlib.suppress(OSError):  # refused at the headers: closed before the body
                        sock.sendall(payload)
                    answer = sock.recv(64)
                    traffic.count("stalled 16 MiB upload", answer.split(b" ")[1].decode() if answer else "closed")
                except OSError as exc:
                    traffic.count("stalled 16 MiB upload", type(exc).__name__)

    return loop


def _run(traffic: Traffic, seconds: int, workers: list[psutil.Process]) -> dict[int, list[float]]:
    threads = [threading.Thread(target=loop, daemon=True) for loop in traffic.loops]
    for thread in threads:
        thread.start()
    samples: dict[int, list[float]] = {w.pid: [] for w in workers}
    for _ in range(seconds):
        time.sleep(1)
        for worker in workers:
            samples[worker.pid].append(worker.memory_info().rss / 2**20)
    traffic.stop.set()
    for thread in threads:
        thread.join(timeout=90)
    return samples


def _report(
    seconds: int,
    start: dict[int, int],
    samples: dict[int, list[float]],
    statuses: Counter[str],
    master_rss: int,
) -> str:
    lines = [
        "",
        "## Worker memory under mixed traffic",
        "",
        f"`python -m benchmarks.memory --seconds {seconds}` (run by `make bench`): the real server with default "
        f"settings and {WORKERS} workers, as deployed, for {seconds} s under all of these at once: 4 keep-alive "
        "clients posting single products, 2 posting batches of 100 products, 2 posting batches of 32 photos, "
        "1 posting 4 × 25-Mpx PNGs (the pixel budget), 1 posting 256 large JPEGs, and 8 stalled 16 MiB uploads "
        "holding the body budget. RSS sampled every second; plateau = maximum over the second half.",
        "",
        "| worker | RSS at start MiB | plateau MiB | median of second half MiB |",
        "|---|---|---|---|",
    ]
    for i, (pid, values) in enumerate(samples.items(), 1):
        second_half = values[len(values) // 2 :]
        lines.append(
            f"| {i} | {start[pid] / 2**20:.0f} | {max(second_half):.0f} | {statistics.median(second_half):.0f} |"
        )
    lines += [
        "",
        f"Master RSS: {master_rss / 2**20:.0f} MiB. Answers during the run:",
        "",
        "| request | status | count |",
        "|---|---|---|",
    ]
    lines += [f"| {kind} | {status} | {n:,} |" for (kind, status), n in sorted(_split(statuses).items())]
    return "\n".join(lines) + "\n"


def _split(statuses: Counter[str]) -> dict[tuple[str, str], int]:
    return {tuple(key.split(": ", 1)): n for key, n in statuses.items()}  # type: ignore[misc]


def _wait_ready(url: str, server: subprocess.Popen) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError("server exited: see benchmarks/work/memory-server.log")
        try:
            if httpx.get(url + "/health/ready").status_code == 200:
                time.sleep(0.5)  # every worker
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    (ROOT / "benchmarks" / "work").mkdir(parents=True, exist_ok=True)
    print(measure(args.seconds, Path(os.environ.get("DATA_DIR", "data"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
