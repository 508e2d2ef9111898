"""`make drift MODEL=<model> WINDOW=requests.json` (`python -m training drift`): exit 0 without
drift, 3 with drift. The models and their drift features come from training.tasks."""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import asdict
from pathlib import Path

from training.data import data_dir
from training.drift.report import plot, write_report
from training.drift.window import WindowError, read_window
from training.tasks import TASKS

log = logging.getLogger(__name__)
DRIFT_EXIT = 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    drift = sub.add_parser("drift", help="compare a window of requests with the training distribution")
    drift.add_argument("--model", choices=list(TASKS), required=True)
    drift.add_argument("--window", type=Path, required=True, help="JSON array (the API's body) or JSON lines")
    drift.add_argument("--artifact-dir", type=Path, default=Path("artifacts"))
    drift.add_argument("--out", type=Path, default=Path("reports/drift"))
    drift.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        window = read_window(args.window)
        model_dir = args.artifact_dir / args.model
        drifts, reference, current = TASKS[args.model].drift(model_dir, data_dir(), window)
    except WindowError as exc:
        log.error("%s", exc)
        return 2
    out = args.out / args.model
    out.mkdir(parents=True, exist_ok=True)
    labels = sorted(
        set(reference.predictions) | set(current.predictions), key=reference.predictions.count, reverse=True
    )
    plot(reference, current, labels, out / "drift.png")
    report = write_report(out, args.model, args.window, len(window), drifts)
    (out / "drift.json").write_text(json.dumps([asdict(d) | {"drifted": d.drifted} for d in drifts], indent=2))
    drifted = [d.feature for d in drifts if d.drifted]
    log.info("drift report: %s (%s)", report, f"drift in {drifted}" if drifted else "no drift")
    return DRIFT_EXIT if drifted else 0
