"""`make eda`: what the Fashion-MNIST data looks like, grouped the brief's way, and what that
means for the experiments. Writes reports/eda/ (markdown + PNG): figures are computed here,
the reasoning around them lives in the markdown template (eda_report.py), next to the numbers.

The output is committed, so it is deterministic: every random choice is seeded, orderings are
explicit, floats are rounded before they are written, nothing records the time, and the numeric
work runs on one BLAS/OpenMP thread (t-SNE and the summation order of BLAS depend on the thread
count, so a 2-core and an 8-core machine would otherwise write different embeddings). Running
it twice leaves `git status` clean (tests/training/test_determinism.py)."""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE
from sklearn.metrics import confusion_matrix
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from contract.fashion_groups import CLASS_TO_GROUP, CLASSES, GROUPS
from training.category.data import stratified_indices
from training.category.idx import CHECKSUM_FILE, IdxError, Split, load_split, missing_files
from training.data import data_dir, missing_data_file
from training.plots import plt, save_figure

log = logging.getLogger(__name__)
GROUP_COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]
# Mean absolute pixel difference (0-255) under which two images count as near duplicates: strict, loose.
NEAR_DUPLICATE_MAD = (4.0, 12.0)
SEED = 0
DPI = 100
LABEL_SIZE = 11  # class and group names in the image strips: readable at the size GitHub shows them
# The simple model of "where would a simple model go wrong": standardised PCA features, so lbfgs
# converges (raw PCA components differ by an order of magnitude in scale: 300 iterations of
# lbfgs did not converge, and an unconverged model made the report differ from run to run).
SIMPLE_MODEL_MAX_ITER = 1000


def balance(train: Split, test: Split, out: Path) -> dict[str, Any]:
    classes = np.bincount(train.labels, minlength=10)
    groups = np.bincount(CLASS_TO_GROUP[train.labels], minlength=5)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    left.bar(range(10), classes, color=[GROUP_COLOURS[g] for g in CLASS_TO_GROUP])
    left.set_xticks(range(10), CLASSES, rotation=45, ha="right")
    left.set_title("train images per class (coloured by group)")
    right.bar(range(5), groups, color=GROUP_COLOURS)
    right.set_xticks(range(5), GROUPS, rotation=20)
    right.set_title("train images per group")
    save_figure(fig, out / "balance.png", DPI)
    return {
        "train_classes": classes.tolist(),
        "test_classes": np.bincount(test.labels, minlength=10).tolist(),
        "train_groups": groups.tolist(),
        "test_groups": np.bincount(CLASS_TO_GROUP[test.labels], minlength=5).tolist(),
    }


def sample_grid(train: Split, out: Path, per_group: int = 12) -> None:
    rng = np.random.default_rng(SEED)
    fig, axes = plt.subplots(5, per_group, figsize=(per_group * 0.9, 5 * 1.0))
    for g, group in enumerate(GROUPS):
        picks = rng.choice(np.flatnonzero(CLASS_TO_GROUP[train.labels] == g), per_group, replace=False)
        for ax, i in zip(axes[g], picks, strict=True):
            ax.imshow(train.images[i], cmap="gray")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[g][0].set_ylabel(group, rotation=0, ha="right", va="center", fontsize=LABEL_SIZE + 1)
    save_figure(fig, out / "samples.png", DPI)


def mean_variance(train: Split, out: Path) -> None:
    fig, axes = plt.subplots(2, 10, figsize=(13, 3.4))
    for c in range(10):
        images = train.images[train.labels == c].astype(np.float32)
        axes[0][c].imshow(images.mean(0), cmap="gray")
        axes[1][c].imshow(images.var(0), cmap="magma")
        axes[0][c].set_title(CLASSES[c], fontsize=LABEL_SIZE)
        for ax in (axes[0][c], axes[1][c]):
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0][0].set_ylabel("mean", fontsize=LABEL_SIZE + 1)
    axes[1][0].set_ylabel("variance", fontsize=LABEL_SIZE + 1)
    save_figure(fig, out / "mean_variance.png", DPI)


def intensity(train: Split, test: Split, out: Path) -> dict[str, Any]:
    per_class = []
    for c in range(10):
        images = train.images[train.labels == c]
        per_class.append(
            {
                "class": CLASSES[c],
                "mean": float(images.mean()),
                "zero_fraction": float((images == 0).mean()),
                "ink_pixels": float((images > 0).sum(axis=(1, 2)).mean()),
            }
        )
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(train.images.ravel(), bins=64, log=True, color="grey")
    ax.set_title("pixel values, train (log count)")
    save_figure(fig, out / "intensity.png", DPI)
    border = np.concatenate([train.images[:, 0], train.images[:, -1], train.images[:, :, 0], train.images[:, :, -1]], 1)
    return {
        "train_mean": float(train.images.mean() / 255),
        "train_std": float(train.images.std() / 255),
        "test_mean": float(test.images.mean() / 255),
        "test_std": float(test.images.std() / 255),
        "zero_fraction": float((train.images == 0).mean()),
        "border_mean_max": float(border.mean(1).max()),
        "per_class": per_class,
    }


def embeddings(train: Split, out: Path, tsne_sample: int) -> dict[str, Any]:
    x = train.images.reshape(len(train.images), -1).astype(np.float32) / 255
    pca = PCA(n_components=50, random_state=SEED).fit(x)
    z = pca.transform(x)
    rng = np.random.default_rng(SEED)
    sample = rng.choice(len(x), tsne_sample, replace=False)
    started = time.perf_counter()
    t = TSNE(n_components=2, init="pca", perplexity=30, random_state=SEED).fit_transform(z[sample])
    log.info("t-SNE on %d images: %.0f s", tsne_sample, time.perf_counter() - started)
    groups = CLASS_TO_GROUP[train.labels]
    fig, axes = plt.subplots(1, 2, figsize=(12, 5))
    for g, group in enumerate(GROUPS):
        mask = groups[sample] == g
        axes[0].scatter(z[sample][mask, 0], z[sample][mask, 1], s=2, c=GROUP_COLOURS[g], label=group)
        axes[1].scatter(t[mask, 0], t[mask, 1], s=2, c=GROUP_COLOURS[g], label=group)
    axes[0].set_title("PCA, first two components")
    axes[1].set_title(f"t-SNE of PCA-50 ({tsne_sample} images)")
    axes[1].legend(markerscale=5)
    save_figure(fig, out / "embedding.png", DPI)
    return {
        "pca_variance_2": float(pca.explained_variance_ratio_[:2].sum()),
        "pca_variance_50": float(pca.explained_variance_ratio_.sum()),
        "_pca": pca,
    }


def simple_model_confusion(train: Split, test: Split, pca: PCA, out: Path) -> dict[str, Any]:
    """A logistic regression on PCA-50 features, 10 classes: where would a simple model go wrong?"""

    def features(s: Split) -> np.ndarray:
        return pca.transform(s.images.reshape(len(s.images), -1).astype(np.float32) / 255)

    model = simple_model().fit(features(train), train.labels)
    predicted = model.predict(features(test))
    counts = confusion_matrix(test.labels, predicted, labels=range(10))
    cross = [
        (int(counts[i, j]), CLASSES[i], CLASSES[j])
        for i in range(10)
        for j in range(10)
        if i != j and CLASS_TO_GROUP[i] != CLASS_TO_GROUP[j] and counts[i, j]
    ]
    cross.sort(key=lambda t: (-t[0], t[1], t[2]))  # most frequent first, ties by name: a stable order
    errors = int((predicted != test.labels).sum())
    grouped_errors = int((CLASS_TO_GROUP[predicted] != CLASS_TO_GROUP[test.labels]).sum())
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(counts, cmap="Blues")
    for (i, j), v in np.ndenumerate(counts):
        ax.text(j, i, v, ha="center", va="center", fontsize=9, color="white" if v > counts.max() / 2 else "black")
    ax.set_xticks(range(10), CLASSES, rotation=45, ha="right")
    ax.set_yticks(range(10), CLASSES)
    ax.set_title("logistic regression on PCA-50: test confusion")
    save_figure(fig, out / "simple_confusion.png", DPI)
    return {
        "class_accuracy": float((predicted == test.labels).mean()),
        "grouped_accuracy": 1 - grouped_errors / len(test.labels),
        "class_errors": errors,
        "grouped_errors": grouped_errors,
        "top_cross_group": [(f"{a} → {b}", n) for n, a, b in cross[:8]],
        "iterations": int(model[-1].n_iter_[0]),
        "max_iterations": SIMPLE_MODEL_MAX_ITER,
    }


def simple_model() -> Pipeline:
    """Multinomial logistic regression (lbfgs) on standardised features. It must converge: a
    model stopped early depends on the last bits of its input, and so would the report."""
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=SIMPLE_MODEL_MAX_ITER))


def _ordered(a: int, b: int) -> tuple[int, int]:
    """A pair of image indexes in one order, so that (i, j) and (j, i) are one pair."""
    return (a, b) if a <= b else (b, a)


def duplicates(train: Split, test: Split, pca: PCA, out: Path) -> dict[str, Any]:
    def digest(img: np.ndarray) -> str:
        return hashlib.sha1(img.tobytes()).hexdigest()

    train_hashes = [digest(i) for i in train.images]
    counts = Counter(train_hashes)
    exact_within = sum(n - 1 for n in counts.values() if n > 1)
    by_hash: dict[str, list[int]] = {}
    for i, h in enumerate(train_hashes):
        by_hash.setdefault(h, []).append(i)
    conflicting_exact = sum(1 for ids in by_hash.values() if len(ids) > 1 and len(set(train.labels[ids])) > 1)
    test_hashes = [digest(i) for i in test.images]
    exact_between = sum(1 for h in test_hashes if h in counts)

    def flat(s: Split) -> np.ndarray:
        return s.images.reshape(len(s.images), -1).astype(np.float32)

    z_train = pca.transform(flat(train) / 255)
    z_test = pca.transform(flat(test) / 255)
    index = NearestNeighbors(n_neighbors=2).fit(z_train)
    # Candidates: each image's nearest neighbour in PCA space; confirmed on raw pixels.
    _, train_nn = index.kneighbors(z_train)
    _, test_nn = index.kneighbors(z_test, n_neighbors=1)
    train_mad = np.array([_mad(train.images[i], train.images[j]) for i, j in enumerate(train_nn[:, 1])])
    test_mad = np.array([_mad(test.images[i], train.images[j]) for i, j in enumerate(test_nn[:, 0])])
    near: dict[str, Any] = {}
    for threshold in NEAR_DUPLICATE_MAD:
        train_pairs = {_ordered(int(i), int(train_nn[i, 1])) for i in np.flatnonzero(train_mad < threshold)}
        test_pairs = [(int(i), int(test_nn[i, 0])) for i in np.flatnonzero(test_mad < threshold)]
        test_conflicts = [(i, j) for i, j in test_pairs if test.labels[i] != train.labels[j]]
        near[str(threshold)] = {
            "pairs_within_train": len(train_pairs),
            "pairs_within_train_conflicting": sum(1 for i, j in train_pairs if train.labels[i] != train.labels[j]),
            "test_in_train": len(test_pairs),
            "test_in_train_conflicting": len(test_conflicts),
            "test_in_train_conflicting_groups": sum(
                1 for i, j in test_conflicts if CLASS_TO_GROUP[test.labels[i]] != CLASS_TO_GROUP[train.labels[j]]
            ),
        }
        if threshold == NEAR_DUPLICATE_MAD[-1]:
            shown = test_pairs[:8] + [p for p in test_conflicts if p not in test_pairs[:8]][:8]
            _pair_gallery(test, train, shown, out / "near_duplicates.png")
    return {
        "exact_within_train": exact_within,
        "exact_within_train_conflicting_labels": conflicting_exact,
        "exact_test_in_train": exact_between,
        "near": near,
    }


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def _pair_gallery(test: Split, train: Split, pairs: list[tuple[int, int]], path: Path, per_row: int = 8) -> None:
    """Test images above their nearest training image, `per_row` pairs a row; a pair labelled
    differently has its class names in red."""
    if not pairs:
        path.unlink(missing_ok=True)  # no stale gallery from an earlier run
        return
    blocks = -(-len(pairs) // per_row)
    columns = min(per_row, len(pairs))
    fig, axes = plt.subplots(2 * blocks, columns, figsize=(columns * 1.5, blocks * 3.6), squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for k, (i, j) in enumerate(pairs):
        top, bottom = axes[2 * (k // per_row)][k % per_row], axes[2 * (k // per_row) + 1][k % per_row]
        colour = "black" if test.labels[i] == train.labels[j] else "tab:red"
        for ax, split, index in ((top, test, i), (bottom, train, j)):
            ax.set_axis_on()
            ax.imshow(split.images[index], cmap="gray")
            ax.set_title(CLASSES[split.labels[index]], fontsize=LABEL_SIZE, color=colour)
            ax.set_xticks([])
            ax.set_yticks([])
        if k % per_row == 0:
            top.set_ylabel("test", fontsize=LABEL_SIZE + 1)
            bottom.set_ylabel("nearest train", fontsize=LABEL_SIZE + 1)
    save_figure(fig, path, DPI)


def _rounded(value: Any) -> Any:
    """Floats to 6 significant digits, recursively: the JSON in the report shows what the
    figures mean, not the last bits of float32 arithmetic."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def _subset(split: Split, limit: int) -> Split:
    """A stratified subset of `limit` images (all of them when 0): for quick runs and tests."""
    if not limit or limit >= len(split.labels):
        return split
    _, keep = stratified_indices(split.labels, limit / len(split.labels), SEED)
    return Split(split.images[keep], split.labels[keep])


def load_fashion(directory: Path) -> tuple[Split, Split]:
    """The official train and test sets; a missing file is an IdxError naming it and the remedy."""
    missing = missing_files(directory)
    if missing and missing[0].name == CHECKSUM_FILE:  # the IDX files are there: DATA_DIR is right
        raise IdxError(f"{missing[0]} not found: write it from the digests in README.md (Data sets)")
    if missing:
        raise IdxError(str(missing_data_file(missing[0])))
    return load_split(directory, "train"), load_split(directory, "test")


def analyse(train: Split, test: Split, out: Path, tsne_sample: int) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    facts: dict[str, Any] = {"balance": balance(train, test, out)}
    sample_grid(train, out)
    mean_variance(train, out)
    facts["intensity"] = intensity(train, test, out)
    facts["embedding"] = embeddings(train, out, min(tsne_sample, len(train.labels)))
    pca = facts["embedding"].pop("_pca")
    facts["simple"] = simple_model_confusion(train, test, pca, out)
    facts["duplicates"] = duplicates(train, test, pca, out)
    return _rounded(facts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.category.eda")
    parser.add_argument("--out", type=Path, default=Path("reports/eda"))
    parser.add_argument("--tsne-sample", type=int, default=3000)
    parser.add_argument(
        "--train-limit", type=int, default=0, help="analyse a stratified subset of the training set (0: all)"
    )
    parser.add_argument("--test-limit", type=int, default=0, help="a stratified subset of the test set (0: all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    try:
        train, test = load_fashion(data_dir() / "fashion-mnist")
    except IdxError as exc:
        print(f"make eda: {exc}", file=sys.stderr)
        return 2
    train, test = _subset(train, args.train_limit), _subset(test, args.test_limit)
    # One thread: the results must not depend on the machine's core count (see the docstring).
    # A model that stops before converging is a bug here, not a warning to scroll past.
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        facts = analyse(train, test, args.out, args.tsne_sample)
    from training.category.eda_report import write_eda_report

    write_eda_report(args.out / "README.md", facts)
    log.info("EDA written to %s", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
