"""Command line of the training side: `python -m training {train,runs,export,drift}`, for every
model in training.tasks.

A mistake (config, override, data, run id) is one log line naming the problem and the fix,
exit 2, and nothing is written; CATALOGUE_DEBUG=1 adds the traceback."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
from pathlib import Path

import msgspec

from contract.artifact import ArtifactError, read_metadata
from training.config import DEFAULT_CONFIG, ConfigError, load_config, to_toml_dict
from training.data import DataError, data_dir, missing_data_file
from training.export.gate import ExportRefused
from training.export.promotion import ALLOW_FLAG, promotion_gate
from training.export.target import ExportTarget
from training.fields import MODEL_NAME, FieldError
from training.identity import RUN_KEY, RunIdentity, identity_of
from training.runs import (
    CONFIG_FILE,
    LATEST,
    REPORT_FILE,
    discard_if_empty,
    head_report,
    mark_failed,
    new_run_dir,
    point_latest,
    read_metrics,
    resolve_run,
    runs_dir,
    unfinished_runs_section,
    write_config,
    write_metrics,
)
from training.tasks import TASKS
from training.tracking import log_run, register_export

log = logging.getLogger("training")

DEBUG_ENV = "CATALOGUE_DEBUG"
FAILED = 1  # the export gate refused, or an unexpected error
MISTAKE = 2  # a mistake in the command, config, data or environment (as argparse's usage errors)
INTERRUPTED = 130
TERMINATED = 128 + signal.SIGTERM
EPILOG = (
    f"Exit status: 0 done; {MISTAKE} a mistake in the command, config, data or environment "
    f"(one line says which and how to fix it; nothing written); {FAILED} export refused or an unexpected error; "
    f"3 drift found (drift). {DEBUG_ENV}=1 also prints the traceback."
)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that a run being stopped cleans up like one interrupted."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        stream=sys.stderr,
    )
    debug = debugging()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return args.handler(args)
    except (ConfigError, FieldError, DataError, FileNotFoundError) as exc:  # DataError: IdxError too
        log.error("%s", _one_line(_describe(exc)), exc_info=debug)
        return MISTAKE
    except ArtifactError as exc:  # drift reads an exported model
        log.error("%s: export one first (`make export`) or pass --artifact-dir", _one_line(str(exc)), exc_info=debug)
        return MISTAKE
    except KeyboardInterrupt:
        log.error("interrupted", exc_info=debug)
        return INTERRUPTED
    except Terminated:
        log.error("terminated (SIGTERM)", exc_info=debug)
        return TERMINATED
    except Exception as exc:  # noqa: BLE001 - a bug or an environment problem: one line, the traceback on demand
        what = f"unexpected {type(exc).__name__}: {_one_line(str(exc))}"
        log.error("%s (set %s=1 for the traceback)", what, DEBUG_ENV, exc_info=debug)
        return FAILED


def _describe(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError) and exc.filename:
        path = Path(exc.filename)
        root = data_dir().resolve()
        if path.resolve() == root or root in path.resolve().parents:
            return str(missing_data_file(path))
        return f"file not found: {path}"
    return str(exc)


def _one_line(text: str) -> str:
    """A message on one line; of a long one (scikit-learn's failed-fits report) the first and
    the last line, which say what failed and why."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines) if len(lines) <= 3 else f"{lines[0]} ... {lines[-1]}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training", epilog=EPILOG)
    sub = parser.add_subparsers(required=True)

    train = sub.add_parser("train", help="run an experiment into runs/<run-id>/", epilog=EPILOG)
    train.add_argument(
        "--config",
        type=Path,
        default=DEFAULT_CONFIG,
        help="experiment config, a TOML file (default: the prototype's, training/configs/pattern.toml)",
    )
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

    export = sub.add_parser("export", help="export a run to artifacts/ behind the equivalence gate", epilog=EPILOG)
    export.add_argument(
        "--run",
        default=None,
        help="run id, path or link such as latest-category (default: the newest run of each task)",
    )
    export.add_argument(
        "--artifact-dir",
        type=Path,
        default=Path("artifacts"),
        help="where the model directories go, <dir>/<task>/ (default: artifacts)",
    )
    export.add_argument("--examples", type=int, default=None, help="hypothesis examples for the generated-text check")
    export.add_argument(
        "--name",
        default=None,
        help="the model name to export to, <artifact-dir>/<name>/ (default: the config's serve_as, else its task: "
        "the champion the brief's routes answer with); needs --run",
    )
    export.add_argument(
        ALLOW_FLAG,
        dest="allow_regression",
        default=None,
        metavar="REASON",
        help="replace a served model although the promotion gate refuses (a worse candidate, or a run with "
        "overrides or on a subset); the reason is recorded in the metadata",
    )
    export.set_defaults(handler=_export)

    compare = sub.add_parser(
        "compare",
        help="two pattern runs on the same held-out products, side by side, with paired tests",
        epilog=EPILOG,
    )
    compare.add_argument("baseline", help="run id, path or link, e.g. latest-pattern-prototype")
    compare.add_argument("candidate", help="run id, path or link, e.g. latest-pattern-challenger")
    compare.add_argument("--out", type=Path, default=None, help="also write the markdown to this file")
    compare.set_defaults(handler=_compare)

    from training.drift.cli import add_parser as add_drift

    add_drift(sub)
    return parser


def _train(args: argparse.Namespace) -> int:
    config = load_config(args.config, args.overrides)
    task = TASKS[config.task]
    task.check_data(config, args.config, args.overrides)  # before the run directory exists
    identity = RunIdentity(config.name, [o.strip() for o in args.overrides], task.subset(config))
    run_dir = new_run_dir(runs_dir(), config.name + identity.suffix())
    log.info("run %s: config %s", run_dir, args.config)
    try:
        write_config(run_dir, to_toml_dict(config))
        metrics = task.run(config, run_dir)
        metrics[RUN_KEY] = msgspec.to_builtins(identity)
        head_report(run_dir, identity.report_header())
        write_metrics(run_dir, metrics)  # last: a run directory with metrics.json is a finished run
    except BaseException as exc:
        if not discard_if_empty(run_dir):
            mark_failed(run_dir, exc)
            log.warning("run %s failed: partial output kept, listed as failed by `make runs`", run_dir)
        raise
    point_latest(run_dir, task.name, config.name)  # only a finished run becomes runs/latest*
    log_run(run_dir, task.name, to_toml_dict(config), metrics)
    log.info("run finished: %s (report: %s)", run_dir, run_dir / REPORT_FILE)
    return 0


def _runs(args: argparse.Namespace) -> int:
    root = runs_dir()
    sections = [s for task in TASKS.values() for s in task.runs_sections(root)] if root.is_dir() else []
    unfinished = unfinished_runs_section(root) if root.is_dir() else ""
    sections += [unfinished] if unfinished else []
    if not sections:
        print(f"no finished runs under {root}")
        return 0
    for section in sections:
        print(section)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from training.pattern.comparison import ComparisonError, compare_runs, comparison_markdown

    root = runs_dir()
    baseline, candidate = resolve_run(args.baseline, root), resolve_run(args.candidate, root)
    for run_dir in (baseline, candidate):
        task = load_config(run_dir / CONFIG_FILE).task
        if task != "pattern":
            raise ConfigError(f"{run_dir.name} is a {task} run: compare pairs pattern runs' held-out products")
    try:
        text = comparison_markdown(compare_runs(baseline, candidate))
    except ComparisonError as exc:
        raise ConfigError(str(exc)) from exc
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    return 0


def _export(args: argparse.Namespace) -> int:
    root = runs_dir()
    if args.name is not None and args.run is None:
        raise ConfigError("--name needs --run: say which run becomes that model (make export RUN=... NAME=...)")
    if args.name is not None and not re.fullmatch(MODEL_NAME, args.name):
        raise ConfigError(f"--name {args.name!r}: a model name is letters, digits, '.', '_' and '-', e.g. pattern-v2")
    if args.run is not None:
        run_dirs = [resolve_run(args.run, root)]
    else:  # the newest run of each model that has one
        run_dirs = [resolve_run(f"{LATEST}-{name}", root) for name in TASKS if (root / f"{LATEST}-{name}").exists()]
        if not run_dirs:
            raise FileNotFoundError(f"no finished runs under {root}: run `make train` first (or set RUNS_DIR)")
    configs = [load_config(run_dir / CONFIG_FILE) for run_dir in run_dirs]
    for config in configs:  # the gate scores the training data: all there before anything is converted
        TASKS[config.task].check_data(config, None, [])
    for run_dir, config in zip(run_dirs, configs, strict=True):
        task = TASKS[config.task]
        metrics = read_metrics(run_dir)
        identity = identity_of(metrics)
        name = args.name or config.serve_as or task.name
        try:
            override = promotion_gate(
                task, run_dir.name, identity, task.headline(metrics), args.artifact_dir / name, args.allow_regression
            )
            target = ExportTarget(args.artifact_dir, name, identity, override, args.examples)
            model_dir = task.export(run_dir, target)
        except ExportRefused as exc:
            log.error("export of %s refused, %s left untouched: %s", run_dir.name, args.artifact_dir, exc)
            return FAILED
        log.info("exported %s from %s", model_dir, run_dir.name)
        register_export(model_dir, read_metadata(model_dir), run_dir.name)
    return 0
