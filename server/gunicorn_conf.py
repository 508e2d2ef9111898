"""gunicorn settings: `gunicorn -c python:server.gunicorn_conf 'server.app:create_server()'`.

PORT, HOST and WORKERS follow platform conventions; everything else is SERVE_* (settings.py)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from server.logs import logging_config
from server.settings import ServerSettings, SettingsError

_settings = ServerSettings.from_env()  # fail here, in the master, on a bad setting


def _workers(value: str | None) -> int:
    """WORKERS: a positive number of worker processes; unset or empty, one per core."""
    cores = os.cpu_count() or 1
    if not value or not value.strip():
        return cores
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise SettingsError(
            f"WORKERS={value!r} is not a number of worker processes: set WORKERS to a whole number >= 1 "
            f"(e.g. WORKERS=2), or leave it unset for one per core ({cores} here)"
        )
    return count


bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = _workers(os.environ.get("WORKERS"))
worker_class = "server.worker.worker.GuardedWorker"
# A last resort: the event loop only does I/O, so no legal request keeps it from answering.
timeout = _settings.worker_timeout
graceful_timeout = _settings.graceful_timeout  # covers the drain and the slowest legal request (settings.py)
keepalive = _settings.keepalive_seconds
# gunicorn 27's admin socket defaults to $HOME/.gunicorn/gunicorn.ctl: unwritable on a read-only
# root filesystem, shared between servers on one host, and unused here.
control_socket_disable = True
logconfig_dict = logging_config(_settings.log_level, _settings.access_log)
accesslog = "-" if _settings.access_log else None

# Prometheus multiprocess mode: each worker writes its own metric files into this directory
# and /metrics aggregates them. It must be set before any worker imports prometheus_client.
_multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="catalogue-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _multiproc_dir


def on_starting(server) -> None:  # noqa: ANN001 - gunicorn's hook signature
    # Stale files from a previous run would be summed into this one's counters.
    path = Path(_multiproc_dir)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:  # noqa: ANN001
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
