"""Two pattern runs side by side on the same products, with paired tests: is the difference more
than luck?

Two sets of the same products: the 305 held-out products (each run fit on the other 90%), and all
3,049 training products predicted out of fold (each run's final parameters fit on the other folds
of the grid search's 8). The held-out set is the cleaner test; the out-of-fold set is ten times
larger, so it can show a gain of a few points, which 305 products cannot.

- McNemar's exact test on the products exactly one of the two gets right (a two-sided binomial
  test of those discordant products at p = 0.5): for accuracy.
- A paired bootstrap of the macro-F1 difference (the products resampled with replacement, both
  runs scored on each resample): its 95% interval. An interval that holds 0 shows no gain.

Both sets depend only on the data, the seed and the folds, so runs of the same data and seed
predict the same products; the comparison refuses runs that do not."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import binomtest
from sklearn.metrics import f1_score, recall_score

from training.pattern.experiment import CV_PREDICTIONS_FILE, HOLDOUT_PREDICTIONS_FILE
from training.runs import read_metrics

BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 20261201
SETS = {
    HOLDOUT_PREDICTIONS_FILE: "held-out products (10%, stratified, seed 42)",
    CV_PREDICTIONS_FILE: "training products out of fold (8 stratified folds)",
}


@dataclass(frozen=True)
class Comparison:
    products_set: str  # which products (SETS)
    baseline: str
    candidate: str
    products: int
    labels: list[str]
    accuracy: tuple[float, float]
    macro_f1: tuple[float, float]
    recall: dict[str, tuple[float, float]]
    only_baseline_right: int
    only_candidate_right: int
    mcnemar_p: float
    macro_f1_gain_interval: tuple[float, float]  # 95% paired bootstrap, candidate - baseline


class ComparisonError(ValueError):
    """The runs cannot be compared on the same products."""


def compare_runs(baseline: Path, candidate: Path) -> list[Comparison]:
    """The two runs on each set of products both have predictions for."""
    labels = read_metrics(baseline)["holdout"]["labels"]
    return [
        _compare(baseline, candidate, file, labels)
        for file in SETS
        if (baseline / file).is_file() or file == HOLDOUT_PREDICTIONS_FILE
    ]


def _compare(baseline: Path, candidate: Path, file: str, labels: list[str]) -> Comparison:
    a, b = _predictions(baseline, file), _predictions(candidate, file)
    id_column = a.columns[0]
    if list(a[id_column]) != list(b[id_column]) or list(a["label"]) != list(b["label"]):
        raise ComparisonError(
            f"{baseline.name} and {candidate.name} did not hold out the same products (another seed, "
            "holdout fraction, folds or data): train the candidate with the baseline's seed and data"
        )
    truth, pa, pb = a["label"].to_numpy(), a["predicted"].to_numpy(), b["predicted"].to_numpy()
    right_a, right_b = pa == truth, pb == truth
    only_a, only_b = int(np.sum(right_a & ~right_b)), int(np.sum(right_b & ~right_a))
    discordant = only_a + only_b
    p = binomtest(only_b, discordant, 0.5).pvalue if discordant else 1.0
    recall_a = recall_score(truth, pa, labels=labels, average=None, zero_division=0)
    recall_b = recall_score(truth, pb, labels=labels, average=None, zero_division=0)
    return Comparison(
        products_set=SETS[file],
        baseline=baseline.name,
        candidate=candidate.name,
        products=len(truth),
        labels=labels,
        accuracy=(float(right_a.mean()), float(right_b.mean())),
        macro_f1=(_macro_f1(truth, pa, labels), _macro_f1(truth, pb, labels)),
        recall={label: (float(ra), float(rb)) for label, ra, rb in zip(labels, recall_a, recall_b, strict=True)},
        only_baseline_right=only_a,
        only_candidate_right=only_b,
        mcnemar_p=float(p),
        macro_f1_gain_interval=_bootstrap_gain(truth, pa, pb, labels),
    )


def _predictions(run_dir: Path, file: str) -> pd.DataFrame:
    path = run_dir / file
    if not path.is_file():
        raise ComparisonError(f"{run_dir.name} has no {file}: train it again with this version")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _macro_f1(truth: np.ndarray, predicted: np.ndarray, labels: list[str]) -> float:
    return float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0))


def _bootstrap_gain(truth: np.ndarray, pa: np.ndarray, pb: np.ndarray, labels: list[str]) -> tuple[float, float]:
    codes = {label: i for i, label in enumerate(labels)}
    t, a, b = (np.array([codes[v] for v in values]) for values in (truth, pa, pb))
    rows = np.random.default_rng(BOOTSTRAP_SEED).integers(0, len(t), (BOOTSTRAP_SAMPLES, len(t)))
    gains = macro_f1_rows(t[rows], b[rows], len(labels)) - macro_f1_rows(t[rows], a[rows], len(labels))
    low, high = np.percentile(gains, [2.5, 97.5])
    return float(low), float(high)


def macro_f1_rows(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """scikit-learn's macro-F1 (zero_division=0, every class counted) of each row of label codes,
    from one confusion matrix per row: 4,000 resamples take a second instead of a minute."""
    samples = truth.shape[0]
    cells = (np.arange(samples)[:, None] * classes * classes + truth * classes + predicted).ravel()
    confusion = np.bincount(cells, minlength=samples * classes * classes).reshape(samples, classes, classes)
    true_positive = np.diagonal(confusion, axis1=1, axis2=2)
    support_and_predicted = confusion.sum(axis=2) + confusion.sum(axis=1)  # 2tp + fp + fn
    f1 = np.where(support_and_predicted > 0, 2 * true_positive / np.maximum(support_and_predicted, 1), 0.0)
    return f1.mean(axis=1)


def comparison_markdown(comparisons: list[Comparison]) -> str:
    first = comparisons[0]
    title = f"## `{first.candidate}` against `{first.baseline}`, paired on the same products\n"
    return "\n".join([title, *(_section(c) for c in comparisons)])


def _section(c: Comparison) -> str:
    gain = c.macro_f1[1] - c.macro_f1[0]
    low, high = c.macro_f1_gain_interval
    verdict = (
        "the gain is not noise"
        if low > 0
        else "the loss is not noise"
        if high < 0
        else "the difference is within noise"
    )
    lines = [
        f"### {c.products} {c.products_set}",
        "",
        f"| figure | {c.baseline} | {c.candidate} |",
        "|---|---|---|",
        f"| accuracy | {c.accuracy[0]:.4f} | {c.accuracy[1]:.4f} |",
        f"| macro-F1 | {c.macro_f1[0]:.4f} | {c.macro_f1[1]:.4f} |",
        *(f"| recall {label} | {a:.2f} | {b:.2f} |" for label, (a, b) in c.recall.items()),
        "",
        f"- McNemar (exact): {c.only_baseline_right} products only the baseline gets right, "
        f"{c.only_candidate_right} only the candidate; p = {c.mcnemar_p:.2g}.",
        f"- Macro-F1 difference {gain:+.4f}, 95% paired bootstrap interval [{low:+.4f}, {high:+.4f}] "
        f"({BOOTSTRAP_SAMPLES} resamples): {verdict}.",
        "",
    ]
    return "\n".join(lines)
