"""The drift report: a table of every feature's PSI and chi-square, and one plot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from training.drift.sample import Sample
from training.drift.stats import P_VALUE_DRIFT, PSI_DRIFT, FeatureDrift, compare_classes, compare_numeric
from training.plots import plt, save_figure


def plot(
    reference: Sample, window: Sample, labels: list[str], path: Path, drifts: list[FeatureDrift] | None = None
) -> None:
    """One panel per feature, each titled with its PSI, p-value and verdict, under the overall
    verdict: the plot alone says whether the window drifted and where. `drifts` are the report's
    figures; without them the same statistics are computed here from the two samples."""
    numeric = list(reference.numeric)
    if drifts is None:
        drifts = [compare_numeric(name, reference.numeric[name], window.numeric[name]) for name in numeric]
        drifts.append(compare_classes("predicted class", labels, reference.predictions, window.predictions))
    fig, axes = plt.subplots(1, len(numeric) + 1, figsize=(5 * (len(numeric) + 1), 4.2))
    for ax, name, drift in zip(axes, numeric, drifts, strict=False):
        ref, win = reference.numeric[name], window.numeric[name]
        bins = np.histogram_bin_edges(np.concatenate([ref, win]), bins=30)
        ax.hist(ref, bins=bins, density=True, alpha=0.5, label=f"training (n={len(ref):,})")
        ax.hist(win, bins=bins, density=True, alpha=0.5, label=f"window (n={len(win):,})")
        _title(ax, name, drift)
        ax.legend(fontsize=8)
    ax = axes[-1]
    x = np.arange(len(labels))
    ref_share = [reference.predictions.count(label) / len(reference.predictions) for label in labels]
    win_share = [window.predictions.count(label) / len(window.predictions) for label in labels]
    ax.bar(x - 0.2, ref_share, 0.4, label="training")
    ax.bar(x + 0.2, win_share, 0.4, label="window")
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    _title(ax, "predicted class share", drifts[-1])
    ax.legend(fontsize=8)
    drifted = [d.feature for d in drifts if d.drifted]
    fig.suptitle(
        f"Verdict: DRIFT in {', '.join(drifted)}" if drifted else "Verdict: no drift",
        color="tab:red" if drifted else "tab:green",
        fontsize=13,
        fontweight="bold",
    )
    fig.text(
        0.5,
        0.005,
        f"a feature drifts when PSI >= {PSI_DRIFT} and chi-square p < {P_VALUE_DRIFT}",
        ha="center",
        va="bottom",
        fontsize=8,
        color="dimgrey",
    )
    save_figure(fig, path, 90)


def _title(ax: Any, name: str, drift: FeatureDrift) -> None:
    verdict = "DRIFT" if drift.drifted else "no drift"
    p_value = f"p {drift.p_value:.2g}" if drift.p_value > 0 else "p < 1e-300"  # 0.0: underflow
    ax.set_title(
        f"{name}\nPSI {drift.psi:.3f}, {p_value}: {verdict}",
        fontsize=10,
        color="tab:red" if drift.drifted else "black",
    )


def write_report(out: Path, model: str, window_file: Path, window_size: int, drifts: list[FeatureDrift]) -> Path:
    drifted = [d.feature for d in drifts if d.drifted]
    verdict = f"**DRIFT** in {', '.join(drifted)}" if drifted else "no drift"
    lines = [
        f"# Drift check: {model} model",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; window `{window_file}` ({window_size} items) against the training "
        f"distribution. Verdict: {verdict}.",
        "",
        f"A feature drifts when its population stability index is at least {PSI_DRIFT} (bins: the training "
        f"deciles, or the classes) **and** a chi-square test of the window against the training proportions "
        f"gives p < {P_VALUE_DRIFT}. PSI reads < 0.1 stable, 0.1-0.2 moderate, >= 0.2 significant.",
        "",
        "| feature | PSI | chi-square | p | training | window | drift |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {d.feature} | {d.psi:.3f} | {d.chi2:.1f} | {d.p_value:.2g} | {d.reference_summary} | "
        f"{d.window_summary} | {'yes' if d.drifted else 'no'} |"
        for d in drifts
    ]
    lines += ["", "![drift](drift.png)", ""]
    path = out / "drift.md"
    path.write_text("\n".join(lines))
    return path
