"""Command line of the training side: `python -m training {train,runs,export}`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from training.config import DEFAULT_CONFIG, ConfigError, load_config, to_toml_dict
from training.data import DataError

log = logging.getLogger("training")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.handler(args)
    except (ConfigError, DataError, FileNotFoundError) as exc:
        log.error("%s", exc)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training")
    sub = parser.add_subparsers(required=True)

    train = sub.add_parser("train", help="run an experiment into runs/<run-id>/")
    train.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    train.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config value, e.g. search.n_splits=4",
    )
    train.set_defaults(handler=_train)

    runs = sub.add_parser("runs", help="list finished runs side by side")
    runs.set_defaults(handler=_runs)

    export = sub.add_parser("export", help="export a run to artifacts/ behind the equivalence gate")
    export.add_argument("--run", default=None, help="run id or path (default: runs/latest)")
    export.add_argument("--artifact-dir", type=Path, default=Path("artifacts"))
    export.add_argument("--examples", type=int, default=None, help="hypothesis examples for the generated-text check")
    export.set_defaults(handler=_export)
    return parser


def _train(args: argparse.Namespace) -> int:
    from training.experiment import run_experiment
    from training.report import write_report
    from training.runs import (
        PREDICTIONS_FILE,
        new_run_dir,
        point_latest,
        runs_dir,
        write_config,
        write_metrics,
        write_model,
    )

    config = load_config(args.config, args.overrides)
    run_dir = new_run_dir(runs_dir(), config.name)
    log.info("run %s: config %s", run_dir, args.config)
    write_config(run_dir, to_toml_dict(config))
    result = run_experiment(config)
    result.metrics["config_name"] = config.name
    result.metrics["run_id"] = run_dir.name
    write_model(run_dir, result.model)
    write_metrics(run_dir, result.metrics)
    result.grid_results.to_csv(run_dir / "grid_search.csv", index=False)
    _write_predictions(run_dir / PREDICTIONS_FILE, config.data.id_column, result)
    write_report(run_dir, result.metrics, result.grid_results)
    point_latest(run_dir)
    log.info("run finished: %s (report: %s)", run_dir, run_dir / "report.md")
    return 0


def _write_predictions(path: Path, id_column: str, result) -> None:
    import pandas as pd

    frame = pd.DataFrame({id_column: result.test_ids, "pattern": result.test_predictions})
    frame.to_csv(path, index=False)


def _runs(args: argparse.Namespace) -> int:
    from training.runs import comparison_table, runs_dir, summaries

    root = runs_dir()
    rows = summaries(root) if root.is_dir() else []
    if not rows:
        print(f"no finished runs under {root}")
        return 0
    print(comparison_table(rows))
    return 0


def _export(args: argparse.Namespace) -> int:
    from training.export.exporter import ExportRefused, export_run
    from training.runs import resolve_run, runs_dir

    run_dir = resolve_run(args.run, runs_dir())
    try:
        model_dir = export_run(run_dir, args.artifact_dir, examples=args.examples)
    except ExportRefused as exc:
        log.error("export refused, %s left untouched: %s", args.artifact_dir, exc)
        return 1
    log.info("exported %s", model_dir)
    return 0
