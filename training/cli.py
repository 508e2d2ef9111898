"""Command line of the training side: `python -m training {train,runs,export}`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from contract.artifact import read_metadata
from training.category.config import CategoryConfig
from training.category.idx import IdxError
from training.config import CONFIG_TYPES, DEFAULT_CONFIG, ConfigError, ExperimentConfig, load_config, to_toml_dict
from training.data import DataError
from training.export.errors import ExportRefused
from training.tracking import log_run, register_export

log = logging.getLogger("training")
TASKS = tuple(CONFIG_TYPES)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.handler(args)
    except (ConfigError, DataError, IdxError, FileNotFoundError) as exc:
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
    export.add_argument(
        "--run",
        default=None,
        help="run id, path or link such as latest-category (default: the newest run of each task)",
    )
    export.add_argument("--artifact-dir", type=Path, default=Path("artifacts"))
    export.add_argument("--examples", type=int, default=None, help="hypothesis examples for the generated-text check")
    export.set_defaults(handler=_export)

    from training.drift.cli import add_parser as add_drift

    add_drift(sub)
    return parser


def _train(args: argparse.Namespace) -> int:
    from training.runs import new_run_dir, point_latest, runs_dir, write_config, write_metrics

    config = load_config(args.config, args.overrides)
    run_dir = new_run_dir(runs_dir(), config.name)
    log.info("run %s: config %s", run_dir, args.config)
    write_config(run_dir, to_toml_dict(config))
    if isinstance(config, CategoryConfig):
        from training.category.experiment import run_category_experiment

        metrics = run_category_experiment(config, run_dir)
    else:
        metrics = _run_pattern(config, run_dir)
    write_metrics(run_dir, metrics)  # last: a run directory with metrics.json is a finished run
    point_latest(run_dir, config.task)
    log_run(run_dir, config.task, to_toml_dict(config), metrics)
    log.info("run finished: %s (report: %s)", run_dir, run_dir / "report.md")
    return 0


def _run_pattern(config: ExperimentConfig, run_dir: Path) -> dict:
    from training.experiment import run_experiment
    from training.report import write_report
    from training.runs import PREDICTIONS_FILE, write_model

    result = run_experiment(config)
    result.metrics["config_name"] = config.name
    result.metrics["run_id"] = run_dir.name
    write_model(run_dir, result.model)
    result.grid_results.to_csv(run_dir / "grid_search.csv", index=False)
    _write_predictions(run_dir / PREDICTIONS_FILE, config.data.id_column, result)
    write_report(run_dir, result.metrics, result.grid_results)
    return result.metrics


def _write_predictions(path: Path, id_column: str, result) -> None:
    import pandas as pd

    frame = pd.DataFrame({id_column: result.test_ids, "pattern": result.test_predictions})
    frame.to_csv(path, index=False)


def _runs(args: argparse.Namespace) -> int:
    from training.category.summary import category_summaries, category_table, config_table
    from training.runs import comparison_table, runs_dir, summaries

    root = runs_dir()
    rows = summaries(root) if root.is_dir() else []
    category_rows = category_summaries(root) if root.is_dir() else []
    if not rows and not category_rows:
        print(f"no finished runs under {root}")
        return 0
    if rows:
        print("## Pattern runs\n\n" + comparison_table(rows) + "\n")
    if category_rows:
        print("## Category runs\n\n" + category_table(category_rows) + "\n")
        print("## Category configs (mean ± std over seeds)\n\n" + config_table(category_rows))
    return 0


def _export(args: argparse.Namespace) -> int:
    from training.runs import LATEST, resolve_run, runs_dir

    root = runs_dir()
    if args.run is not None:
        run_dirs = [resolve_run(args.run, root)]
    else:  # the newest run of each task that has one
        run_dirs = [resolve_run(f"{LATEST}-{task}", root) for task in TASKS if (root / f"{LATEST}-{task}").exists()]
        if not run_dirs:
            raise FileNotFoundError(f"no finished runs under {root} (run `make train` first)")
    for run_dir in run_dirs:
        try:
            model_dir = _export_one(run_dir, args)
        except ExportRefused as exc:
            log.error("export of %s refused, %s left untouched: %s", run_dir.name, args.artifact_dir, exc)
            return 1
        log.info("exported %s from %s", model_dir, run_dir.name)
        register_export(model_dir, read_metadata(model_dir))
    return 0


def _export_one(run_dir: Path, args: argparse.Namespace) -> Path:
    from training.runs import CONFIG_FILE

    if isinstance(load_config(run_dir / CONFIG_FILE), CategoryConfig):
        from training.category.export import export_category_run

        return export_category_run(run_dir, args.artifact_dir)
    from training.export.exporter import export_run

    return export_run(run_dir, args.artifact_dir, examples=args.examples)
