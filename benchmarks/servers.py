"""The servers under test, and one measurement of one of them: a single gunicorn/uvicorn worker
pinned to core 0, started for the measurement and stopped after it, loaded by wrk on core 1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from benchmarks import wrk
from benchmarks.measurement import Measurement
from benchmarks.paths import ROOT, WORK

SERVERS = {
    "this server (Litestar + msgspec + onnxruntime)": "server.app:create_server()",
    "template (FastAPI + pydantic + pickled scikit-learn)": "benchmarks.template_app:create_app()",
    "bare Litestar, constant answer (ceiling)": "benchmarks.bare_app:create_app()",
}
OURS, TEMPLATE, BARE = SERVERS
# The same server over the Open Inference Protocol, and Seldon MLServer (benchmarks/mlserver.py).
OURS_V2 = "this server, V2 protocol (/v2/models/pattern/infer)"
MLSERVER = "Seldon MLServer 1.7.1, V2 protocol (scikit-learn runtime, pickled pipeline)"
WARM_UP_SECONDS = 2
LOG = WORK / "server.log"


@dataclass(frozen=True)
class Load:
    duration: int  # seconds of load after the warm-up
    connections: int


def port() -> int:
    return 18000 + os.getpid() % 1000


def measure(target: str, script: Path, load: Load, env: dict[str, str], path: str = "/predict") -> Measurement:
    """Start `target` (a gunicorn app spec), warm it up, load it with `script`'s bodies, stop it."""
    environ = {**os.environ, **env, "PORT": str(port()), "HOST": "127.0.0.1", "WORKERS": "1"}
    environ["SERVE_DRAIN_SECONDS"] = "0"
    command = ["taskset", "-c", "0", sys.executable, "-m", "gunicorn", "-c", "python:server.gunicorn_conf", target]
    return measure_command(command, environ, path, script, load, workers_only=True)


def measure_command(
    command: list[str], env: dict[str, str], path: str, script: Path, load: Load, workers_only: bool
) -> Measurement:
    """Start a server (`command`, listening on port()), warm it up, load it, stop it. RSS: the
    worker processes (gunicorn's master left out), or the whole process tree."""
    with LOG.open("ab") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port()}{path}"
    try:
        _wait_ready(url, script, server)
        wrk.run(url, script, WARM_UP_SECONDS, load.connections)
        output = wrk.run(url, script, load.duration, load.connections)
        process = psutil.Process(server.pid)
        tree = process.children(recursive=True) + ([] if workers_only else [process])
        rss = sum(p.memory_info().rss for p in tree) / 2**20
    finally:
        server.terminate()
        server.wait(timeout=30)
    return wrk.parse(output, rss)


def _wait_ready(url: str, script: Path, server: subprocess.Popen[bytes]) -> None:
    """Until the server answers the script's first body with 200 (models loaded, worker up)."""
    body = _first_body(script)
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"server exited: see {LOG}")
        try:
            if httpx.post(url, content=body, headers={"Content-Type": "application/json"}).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not answering")


def _first_body(script: Path) -> str:
    match = re.search(r"\[==\[(.*?)\]==\]", script.read_text(), re.S)
    if match is None:
        raise ValueError(f"{script}: no [==[...]==] body (not written by benchmarks.payloads.wrk_script?)")
    return match.group(1)
