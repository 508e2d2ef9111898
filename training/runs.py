"""Run directories, whatever the model: `runs/<run-id>/` holds everything one experiment
produced (its config.toml and metrics.json written here, the rest by the model's experiment);
`runs/latest` and `runs/latest-<model>` point at the newest. Runs are never overwritten."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomli_w

CONFIG_FILE = "config.toml"
METRICS_FILE = "metrics.json"
PREDICTIONS_FILE = "predictions_test.csv"
REPORT_FILE = "report.md"
FAILED_FILE = "failed.json"  # beside a failed run's partial output: what stopped it
LATEST = "latest"


def runs_dir() -> Path:
    return Path(os.environ.get("RUNS_DIR", "runs"))


def new_run_dir(root: Path, config_name: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    root.mkdir(parents=True, exist_ok=True)
    for attempt in range(1000):
        run_id = f"{stamp}-{config_name}" + (f"-{attempt}" if attempt else "")
        path = root / run_id
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue
    raise RuntimeError(f"could not create a unique run directory under {root}")


def discard_if_empty(run_dir: Path) -> bool:
    """Remove the directory of a run that failed before producing anything (it holds at most
    its config.toml); keep one with partial output to look at. True if removed."""
    if not run_dir.is_dir() or any(p.name != CONFIG_FILE for p in run_dir.iterdir()):
        return False
    shutil.rmtree(run_dir)
    return True


def mark_failed(run_dir: Path, exc: BaseException) -> None:
    """Say in the run directory that the run failed and why, so nobody takes it for a run."""
    reason = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    (run_dir / FAILED_FILE).write_text(json.dumps({"status": "failed", "error": reason}, indent=2) + "\n")


def failure_of(run_dir: Path) -> str | None:
    """Why the run failed, if it says it did (mark_failed)."""
    path = run_dir / FAILED_FILE
    return json.loads(path.read_text())["error"] if path.is_file() else None


def head_report(run_dir: Path, lines: list[str]) -> None:
    """Put `lines` right under the report's title: the run's identity is the first thing read."""
    path = run_dir / REPORT_FILE
    if not path.is_file():
        return
    title, _, rest = path.read_text().partition("\n")
    path.write_text("\n".join([title, "", *lines]) + rest)


def unfinished_runs_section(root: Path) -> str:
    """`make runs`: the run directories without metrics.json, failed (with why) or unfinished
    (still running, or killed before they could say); export refuses them all."""
    rows = []
    for run_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        if (run_dir / METRICS_FILE).is_file():
            continue
        failure = failure_of(run_dir)
        status = "unfinished or killed" if failure is None else f"failed: {failure}"
        rows.append(f"| {run_dir.name} | {status.replace('|', '/')} |")
    if not rows:
        return ""
    return (
        "## Failed or unfinished runs (not listed above; export refuses them)\n\n| run | status |\n|---|---|\n"
        + "\n".join(rows)
        + "\n"
    )


def point_latest(run_dir: Path, task: str, config_name: str) -> None:
    """`latest` names the newest run of any task, `latest-<task>` the newest of that task and
    `latest-<config name>` the newest of that config (`make export RUN=latest-pattern-challenger`)."""
    for name in dict.fromkeys((LATEST, f"{LATEST}-{task}", f"{LATEST}-{config_name}")):
        link = run_dir.parent / name
        tmp = run_dir.parent / f".{name}.tmp"
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(run_dir.name)
        tmp.replace(link)  # atomic: readers never see a missing link


def resolve_run(run: str | None, root: Path) -> Path:
    path = root / (run or LATEST)
    if not path.exists() and run is not None and Path(run).exists():
        path = Path(run)
    reason = failure_of(path)
    if reason is not None:
        raise FileNotFoundError(
            f"run {path} failed ({reason}): nothing to use; give a finished run listed by `make runs`"
        )
    if not (path / METRICS_FILE).is_file():
        what = "no finished run" if path.exists() else "no run"
        raise FileNotFoundError(
            f"{what} at {path}: give a run id listed by `make runs` (or a path to one), or run `make train` first"
        )
    return path.resolve()


def write_config(run_dir: Path, config: dict[str, Any]) -> None:
    (run_dir / CONFIG_FILE).write_text(tomli_w.dumps(config))


def write_metrics(run_dir: Path, metrics: dict[str, Any]) -> None:
    (run_dir / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")


def read_metrics(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / METRICS_FILE).read_text())


def finished_runs(root: Path, task: str) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Every finished run of `task` under `root`, oldest first, with its metrics."""
    for run_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        if not (run_dir / METRICS_FILE).is_file():
            continue  # unfinished or failed run
        metrics = read_metrics(run_dir)
        if metrics.get("task", "pattern") == task:  # pattern runs predate the task field
            yield run_dir, metrics
