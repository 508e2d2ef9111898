"""The drift report: a table of every feature's PSI and chi-square, and one plot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from training.drift.features import Sample
from training.drift.stats import P_VALUE_DRIFT, PSI_DRIFT, FeatureDrift
from training.plots import plt, save_figure


def plot(reference: Sample, window: Sample, labels: list[str], path: Path) -> None:
    numeric = list(reference.numeric)
    fig, axes = plt.subplots(1, len(numeric) + 1, figsize=(5 * (len(numeric) + 1), 3.6))
    for ax, name in zip(axes, numeric, strict=False):
        ref, win = reference.numeric[name], window.numeric[name]
        bins = np.histogram_bin_edges(np.concatenate([ref, win]), bins=30)
        ax.hist(ref, bins=bins, density=True, alpha=0.5, label="training")
        ax.hist(win, bins=bins, density=True, alpha=0.5, label="window")
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=7)
    ax = axes[-1]
    x = np.arange(len(labels))
    ref_share = [reference.predictions.count(label) / len(reference.predictions) for label in labels]
    win_share = [window.predictions.count(label) / len(window.predictions) for label in labels]
    ax.bar(x - 0.2, ref_share, 0.4, label="training")
    ax.bar(x + 0.2, win_share, 0.4, label="window")
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=7)
    ax.set_title("predicted class share", fontsize=9)
    ax.legend(fontsize=7)
    save_figure(fig, path, 80)


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
