"""Start the real server (gunicorn + uvicorn workers, the `make serve` command) for tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from tests.conftest import ROOT

# The Dockerfile's ENTRYPOINT, run from the venv (tests/deploy/test_packaging.py keeps them equal).
ENTRYPOINT = ["gunicorn", "-c", "python:server.gunicorn_conf", "server.app:create_server()"]
GUNICORN = [sys.executable, "-m", *ENTRYPOINT]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path
    metrics_dir: Path
    initial_workers: set[int] = field(default_factory=set)  # recorded once the server answers

    def worker_pids(self) -> set[int]:
        return {child.pid for child in psutil.Process(self.process.pid).children()}

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def running_server(tmp: Path, workers: int = 2, wait_ready: bool = True, **env: str) -> Iterator[Server]:
    port = free_port()
    metrics_dir = tmp / f"metrics-{port}"
    log_path = tmp / f"server-{port}.log"
    environ = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": str(workers),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "SERVE_DRAIN_SECONDS": "0",  # tests stop servers often; the drain tests set their own
        **env,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(GUNICORN, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log_path, metrics_dir)
    try:
        _wait(server, "/health/ready" if wait_ready else "/health/live", workers)
        server.initial_workers = server.worker_pids()
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait(server: Server, path: str, workers: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.log()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            # Every worker must be up, not only the first to answer.
            if len(server.worker_pids()) == workers and httpx.get(server.url + path, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise TimeoutError(f"server not answering {path} after {timeout}s:\n{server.log()[-3000:]}")
