"""The accuracy that each CPU-minute buys: grouped test accuracy of category runs against their
training minutes and against the inference cost of their exported graph in onnxruntime (one
thread, as a serving worker runs it; batch 1 and 32), beside the model being served today.

    python -m training.category.curve RUN [RUN ...] [--out reports/category]

Runs of one config with the same overrides (its seeds) make one point: mean and spread of
their test accuracy and training minutes. A shorter budget can be given as overrides
(`--set train.epochs=6 --set train.max_minutes=5`). Writes curve.md (the table) and curve.png (the plot) into --out."""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from contract.artifact import ONNX_FILE
from inference.session import inference_session
from training.category.config import CategoryConfig
from training.category.experiment import network_of
from training.category.export.graph import INPUT_NAME, GroupProbabilities, to_onnx
from training.config import load_config
from training.identity import identity_of
from training.plots import plt, save_figure
from training.runs import CONFIG_FILE, read_metrics, resolve_run, runs_dir

log = logging.getLogger(__name__)

BATCHES = (1, 32)
REFERENCE = Path("artifacts/category")


@dataclass(frozen=True)
class Cost:
    """Milliseconds per image in onnxruntime, one thread, by batch size, of the graph `source`."""

    ms_per_image: dict[int, float]
    source: str = ""


@dataclass(frozen=True)
class Point:
    config: str
    seeds: list[int]
    minutes: list[float]
    test_accuracy: list[float]
    validation_accuracy: list[float]
    cost: Cost

    def mean(self, values: list[float]) -> float:
        return statistics.fmean(values)

    def spread(self, values: list[float]) -> float:
        return statistics.stdev(values) if len(values) > 1 else 0.0


def onnx_cost(onnx_path: Path, repeats: int = 200, source: str = "") -> Cost:
    session = inference_session(onnx_path, intra_op_threads=1)
    rng = np.random.default_rng(0)
    found = {}
    for batch in BATCHES:
        images = rng.random((batch, 1, 28, 28), dtype=np.float32)
        session.run(None, {INPUT_NAME: images})  # warm-up
        times = []
        for _ in range(max(20, repeats // batch)):
            started = time.perf_counter()
            session.run(None, {INPUT_NAME: images})
            times.append(time.perf_counter() - started)
        found[batch] = float(np.median(times)) * 1000 / batch
    return Cost(found, source)


def config_cost(config: CategoryConfig) -> Cost:
    """The cost of the graph `make export` writes for a run of this config. It depends on the
    network's shape only, not on its weights, so an untrained one is timed: a run's metrics and
    config are all the curve needs (reports/category/runs/ keeps those of the published runs)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ONNX_FILE
        to_onnx(GroupProbabilities(network_of(config).eval(), config.model.targets), path)
        return onnx_cost(path)


def points_of(run_dirs: list[Path]) -> list[Point]:
    by_config: dict[str, list[Path]] = defaultdict(list)
    for run_dir in run_dirs:  # the seeds of one config, or of one config with the same overrides
        by_config[identity_of(read_metrics(run_dir)).variant()].append(run_dir)
    points = []
    for name, runs in by_config.items():
        metrics = [read_metrics(r) for r in runs]
        config = load_config(runs[0] / CONFIG_FILE)
        assert isinstance(config, CategoryConfig), f"{runs[0]} is not a category run"
        points.append(
            Point(
                config=name,
                seeds=[m["seed"] for m in metrics],
                minutes=[m["training"]["seconds"] / 60 for m in metrics],
                test_accuracy=[m["test"]["accuracy"] for m in metrics],
                validation_accuracy=[m["validation"]["accuracy"] for m in metrics],
                cost=config_cost(config),
            )
        )
    return sorted(points, key=lambda p: p.mean(p.minutes))


def table(points: list[Point], reference: Cost | None) -> str:
    lines = [
        "| config | seeds | training minutes | val acc | test acc | ms/image, batch 1 | ms/image, batch 32 "
        "| batch-32 cost vs served |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in points:
        ratio = f"{p.cost.ms_per_image[32] / reference.ms_per_image[32]:.2f}x" if reference else "n/a"
        lines.append(
            f"| {p.config} | {', '.join(map(str, p.seeds))} | {p.mean(p.minutes):.1f} "
            f"| {p.mean(p.validation_accuracy):.4f} "
            f"| {p.mean(p.test_accuracy):.4f}{f' ± {p.spread(p.test_accuracy):.4f}' if len(p.seeds) > 1 else ''} "
            f"| {p.cost.ms_per_image[1]:.3f} | {p.cost.ms_per_image[32]:.3f} | {ratio} |"
        )
    if reference:
        lines.append(
            f"| *served today* ({reference.source}) | | | | | {reference.ms_per_image[1]:.3f} "
            f"| {reference.ms_per_image[32]:.3f} | 1.00x |"
        )
    return "\n".join(lines) + "\n"


def plot(points: list[Point], reference: Cost | None, path: Path) -> None:
    fig, (by_time, by_cost) = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for p in points:
        accuracy, spread = p.mean(p.test_accuracy) * 100, p.spread(p.test_accuracy) * 100
        by_time.errorbar(p.mean(p.minutes), accuracy, yerr=spread, fmt="o", capsize=3, label=p.config)
        for batch, marker in zip(BATCHES, ("s", "o"), strict=True):
            by_cost.plot(p.cost.ms_per_image[batch], accuracy, marker, color=f"C{batch % 7}")
    for axis in (by_time, by_cost):
        axis.axhline(99.0, color="grey", linestyle="--", linewidth=1)
        axis.grid(alpha=0.3)
    by_time.set(xlabel="training minutes (2 CPU cores)", ylabel="grouped test accuracy (%)")
    by_time.set_title("accuracy vs training time")
    by_time.legend(fontsize=7, loc="lower right")
    by_cost.set(xlabel="onnxruntime ms per image, one thread")
    by_cost.set_title("accuracy vs inference cost (square: batch 1, circle: batch 32)")
    if reference:
        for batch in BATCHES:
            by_cost.axvline(reference.ms_per_image[batch], color="grey", linewidth=0.8, linestyle=":")
    save_figure(fig, path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.category.curve", description=__doc__.split("\n")[0])
    parser.add_argument("runs", nargs="+", help="category run ids (as `make runs` lists them) or paths")
    parser.add_argument("--out", type=Path, default=Path("reports/category"), help="where curve.md and curve.png go")
    parser.add_argument("--reference", type=Path, default=REFERENCE, help="the served model to compare costs with")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    try:
        run_dirs = [resolve_run(run, runs_dir()) for run in args.runs]
    except FileNotFoundError as exc:
        print(f"python -m training.category.curve: {exc}", file=sys.stderr)
        return 2
    reference_onnx = args.reference / ONNX_FILE
    reference = onnx_cost(reference_onnx, source=str(args.reference)) if reference_onnx.is_file() else None
    points = points_of(run_dirs)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "curve.md").write_text(table(points, reference))
    plot(points, reference, args.out / "curve.png")
    log.info("curve of %d configs written to %s", len(points), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
