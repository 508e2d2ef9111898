"""Pattern runs judged and side by side: the headline figures (artifact metadata, tracking) and
the `make runs` table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from training.identity import identity_of
from training.runs import finished_runs


def pattern_headline(m: dict[str, Any]) -> dict[str, Any]:
    """The figures a pattern run is judged by: artifact metadata and experiment tracking use them."""
    return {
        "best_params": m["grid_search"]["best_params"],
        "best_cv_accuracy": m["grid_search"]["best_cv_accuracy"],
        "final_cv_accuracy": m["final_model"]["cv_accuracy_mean"],
        "holdout_accuracy": m["holdout"]["accuracy"],
        "holdout_macro_f1": m["holdout"]["macro_f1"],
        "vocabulary_size": m["final_model"]["coefficients"]["vocabulary_size"],
    }


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    config: str
    best_cv: float
    final_cv: float
    holdout_accuracy: float
    holdout_macro_f1: float
    best_params: dict[str, Any]
    flags: str  # what differs from the config as written (overrides, subset), or ""


def summaries(root: Path) -> list[RunSummary]:
    rows = []
    for run_dir, metrics in finished_runs(root, "pattern"):
        rows.append(
            RunSummary(
                run_id=run_dir.name,
                config=metrics.get("config_name", "?"),
                best_cv=metrics["grid_search"]["best_cv_accuracy"],
                final_cv=metrics["final_model"]["cv_accuracy_mean"],
                holdout_accuracy=metrics["holdout"]["accuracy"],
                holdout_macro_f1=metrics["holdout"]["macro_f1"],
                best_params=metrics["grid_search"]["best_params"],
                flags=identity_of(metrics).flags(),
            )
        )
    return rows


def comparison_table(rows: list[RunSummary]) -> str:
    header = (
        "| run | config | best CV acc | final CV acc | held-out acc | held-out macro-F1 | best params "
        "| not as written |"
    )
    lines = [header, "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        params = ", ".join(f"{k}={v}" for k, v in sorted(r.best_params.items()))
        lines.append(
            f"| {r.run_id} | {r.config} | {r.best_cv:.5f} | {r.final_cv:.5f} | "
            f"{r.holdout_accuracy:.4f} | {r.holdout_macro_f1:.4f} | {params} | {r.flags or '-'} |"
        )
    return "\n".join(lines)


def runs_sections(root: Path) -> list[str]:
    """`make runs`: the pattern runs under `root` side by side, or nothing without any."""
    rows = summaries(root)
    return ["## Pattern runs\n\n" + comparison_table(rows) + "\n"] if rows else []
