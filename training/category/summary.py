"""Category runs side by side (`make runs`), and configs aggregated over their seeds."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.identity import identity_of
from training.runs import finished_runs


def category_headline(m: dict[str, Any]) -> dict[str, Any]:
    """The figures a category run is judged by: artifact metadata and experiment tracking use them."""
    return {
        "model": m["model"],
        "test_accuracy": m["test"]["accuracy"],
        "test_macro_f1": m["test"]["macro_f1"],
        "validation_accuracy": m["validation"]["accuracy"],
        "ece": m["calibration"]["ece"],
        "parameters": m["inference_cost"]["parameters"],
    }


@dataclass(frozen=True)
class CategorySummary:
    run_id: str
    config: str
    model: str
    seed: int
    epochs: int
    train_seconds: float
    validation_accuracy: float
    test_accuracy: float
    test_macro_f1: float
    ece: float
    photo_accuracy: float | None
    parameters: int
    ms_per_image: float
    flags: str  # what differs from the config as written (overrides, subset), or ""
    subset: bool  # trained or tested on part of the data: kept out of the config averages
    variant: str  # the config plus its overrides other than the seed: what the averages group by


def category_summaries(root: Path) -> list[CategorySummary]:
    rows = []
    for run_dir, m in finished_runs(root, "category"):
        model = m["model"]
        rows.append(
            CategorySummary(
                run_id=run_dir.name,
                config=m["config_name"],
                model=_model_name(model),
                seed=m["seed"],
                epochs=m["training"]["epochs_run"],
                train_seconds=m["training"]["seconds"],
                validation_accuracy=m["validation"]["accuracy"],
                test_accuracy=m["test"]["accuracy"],
                test_macro_f1=m["test"]["macro_f1"],
                ece=m["calibration"]["ece"],
                photo_accuracy=m.get("photo_test", {}).get("accuracy"),
                parameters=m["inference_cost"]["parameters"],
                ms_per_image=m["inference_cost"]["ms_per_image_batch1"],
                flags=identity_of(m).flags(),
                subset=bool(identity_of(m).subset),
                variant=identity_of(m).variant(),
            )
        )
    return rows


def _model_name(model: dict[str, str]) -> str:
    width = "" if model["architecture"] == "linear" else f"-{model['width']}"  # a linear model has no width
    return f"{model['architecture']}{width} on {model['targets']}"


def category_table(rows: list[CategorySummary]) -> str:
    lines = [
        "| run | config | model | seed | epochs | train s | val acc | test acc | test macro-F1 | ECE | photo acc "
        "| params | ms/img | not as written |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        photo = f"{r.photo_accuracy:.4f}" if r.photo_accuracy is not None else "-"
        lines.append(
            f"| {r.run_id} | {r.config} | {r.model} | {r.seed} | {r.epochs} | {r.train_seconds:.0f} | "
            f"{r.validation_accuracy:.4f} | {r.test_accuracy:.4f} | {r.test_macro_f1:.4f} | {r.ece:.4f} | {photo} | "
            f"{r.parameters:,} | {r.ms_per_image:.3f} | {r.flags or '-'} |"
        )
    return "\n".join(lines)


def _mean_std(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


def config_table(rows: list[CategorySummary]) -> str:
    by_config: dict[str, list[CategorySummary]] = {}
    for r in rows:
        if r.subset:  # trained or tested on less data: not a seed of its config
            continue
        by_config.setdefault(r.variant, []).append(r)
    lines = [
        "| config | model | seeds | val acc | test acc | test macro-F1 | ECE | train s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for config, group in by_config.items():
        lines.append(
            f"| {config} | {group[0].model} | {len(group)} | {_mean_std([r.validation_accuracy for r in group])} | "
            f"{_mean_std([r.test_accuracy for r in group])} | {_mean_std([r.test_macro_f1 for r in group])} | "
            f"{_mean_std([r.ece for r in group])} | {statistics.mean(r.train_seconds for r in group):.0f} |"
        )
    return "\n".join(lines)


def runs_sections(root: Path) -> list[str]:
    """`make runs`: the category runs under `root`, then each config over its seeds; nothing
    without any."""
    rows = category_summaries(root)
    if not rows:
        return []
    return [
        "## Category runs\n\n" + category_table(rows) + "\n",
        "## Category configs (mean ± std over seeds; subset runs left out)\n\n" + config_table(rows),
    ]


def tracked_figures(m: dict[str, Any]) -> dict[str, float]:
    """What experiment tracking keeps of a category run beside its headline: time, cost and
    F1 per group."""
    found = {
        "train_seconds": float(m["training"]["seconds"]),
        "ms_per_image": float(m["inference_cost"]["ms_per_image_batch1"]),
    }
    return found | {f"f1.{g}": float(v["f1"]) for g, v in m["test"]["per_group"].items()}
