"""`make eda`: what the Fashion-MNIST data looks like, grouped the brief's way, and what that
means for the experiments. Writes reports/eda/ (markdown + PNG): figures are computed here,
the reasoning around them lives in the markdown template below, next to the numbers."""

from __future__ import annotations

import argparse
import hashlib
import logging
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE
from sklearn.metrics import confusion_matrix
from sklearn.neighbors import NearestNeighbors

from contract.category import CLASS_TO_GROUP, CLASSES, GROUPS
from training.category.idx import Split, load_split
from training.config import data_dir
from training.plots import plt, save_figure

log = logging.getLogger(__name__)
GROUP_COLOURS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]
# Mean absolute pixel difference (0-255) under which two images count as near duplicates: strict, loose.
NEAR_DUPLICATE_MAD = (4.0, 12.0)
SEED = 0


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
    save_figure(fig, out / "balance.png", 80)
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
        axes[g][0].set_ylabel(group, rotation=0, ha="right", fontsize=9)
    save_figure(fig, out / "samples.png", 80)


def mean_variance(train: Split, out: Path) -> None:
    fig, axes = plt.subplots(2, 10, figsize=(13, 3.2))
    for c in range(10):
        images = train.images[train.labels == c].astype(np.float32)
        axes[0][c].imshow(images.mean(0), cmap="gray")
        axes[1][c].imshow(images.var(0), cmap="magma")
        axes[0][c].set_title(CLASSES[c], fontsize=8)
        for ax in (axes[0][c], axes[1][c]):
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0][0].set_ylabel("mean")
    axes[1][0].set_ylabel("variance")
    save_figure(fig, out / "mean_variance.png", 80)


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
    save_figure(fig, out / "intensity.png", 80)
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
    save_figure(fig, out / "embedding.png", 80)
    return {
        "pca_variance_2": float(pca.explained_variance_ratio_[:2].sum()),
        "pca_variance_50": float(pca.explained_variance_ratio_.sum()),
        "_pca": pca,
    }


def simple_model_confusion(train: Split, test: Split, pca: PCA, out: Path) -> dict[str, Any]:
    """A logistic regression on PCA-50 features, 10 classes: where would a simple model go wrong?"""

    def features(s: Split) -> np.ndarray:
        return pca.transform(s.images.reshape(len(s.images), -1).astype(np.float32) / 255)

    model = LogisticRegression(max_iter=300).fit(features(train), train.labels)
    predicted = model.predict(features(test))
    counts = confusion_matrix(test.labels, predicted, labels=range(10))
    cross = Counter()
    for i in range(10):
        for j in range(10):
            if i != j and CLASS_TO_GROUP[i] != CLASS_TO_GROUP[j] and counts[i, j]:
                cross[(CLASSES[i], CLASSES[j])] += int(counts[i, j])
    errors = int((predicted != test.labels).sum())
    grouped_errors = int((CLASS_TO_GROUP[predicted] != CLASS_TO_GROUP[test.labels]).sum())
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    ax.imshow(counts, cmap="Blues")
    for (i, j), v in np.ndenumerate(counts):
        ax.text(j, i, v, ha="center", va="center", fontsize=7, color="white" if v > counts.max() / 2 else "black")
    ax.set_xticks(range(10), CLASSES, rotation=45, ha="right")
    ax.set_yticks(range(10), CLASSES)
    ax.set_title("logistic regression on PCA-50: test confusion")
    save_figure(fig, out / "simple_confusion.png", 80)
    return {
        "class_accuracy": float((predicted == test.labels).mean()),
        "grouped_accuracy": 1 - grouped_errors / len(test.labels),
        "class_errors": errors,
        "grouped_errors": grouped_errors,
        "top_cross_group": [(f"{a} → {b}", n) for (a, b), n in cross.most_common(8)],
    }


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
        train_pairs = {tuple(sorted((i, int(train_nn[i, 1])))) for i in np.flatnonzero(train_mad < threshold)}
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
            _pair_gallery(test, train, test_pairs[:8] + test_conflicts[:8], out / "near_duplicates.png")
    return {
        "exact_within_train": exact_within,
        "exact_within_train_conflicting_labels": conflicting_exact,
        "exact_test_in_train": exact_between,
        "near": near,
    }


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def _pair_gallery(test: Split, train: Split, pairs: list[tuple[int, int]], path: Path) -> None:
    if not pairs:
        return
    fig, axes = plt.subplots(2, len(pairs), figsize=(len(pairs) * 1.2, 3))
    axes = np.array(axes).reshape(2, -1)
    for k, (i, j) in enumerate(pairs):
        axes[0][k].imshow(test.images[i], cmap="gray")
        axes[0][k].set_title(f"test\n{CLASSES[test.labels[i]]}", fontsize=6)
        axes[1][k].imshow(train.images[j], cmap="gray")
        axes[1][k].set_title(f"train\n{CLASSES[train.labels[j]]}", fontsize=6)
        for ax in (axes[0][k], axes[1][k]):
            ax.set_xticks([])
            ax.set_yticks([])
    save_figure(fig, path, 80)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.category.eda")
    parser.add_argument("--out", type=Path, default=Path("reports/eda"))
    parser.add_argument("--tsne-sample", type=int, default=3000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")
    directory = data_dir() / "fashion-mnist"
    train, test = load_split(directory, "train"), load_split(directory, "test")
    args.out.mkdir(parents=True, exist_ok=True)
    facts: dict[str, Any] = {"balance": balance(train, test, args.out)}
    sample_grid(train, args.out)
    mean_variance(train, args.out)
    facts["intensity"] = intensity(train, test, args.out)
    facts["embedding"] = embeddings(train, args.out, args.tsne_sample)
    pca = facts["embedding"].pop("_pca")
    facts["simple"] = simple_model_confusion(train, test, pca, args.out)
    facts["duplicates"] = duplicates(train, test, pca, args.out)
    from training.category.eda_report import write_eda_report

    write_eda_report(args.out / "README.md", facts)
    log.info("EDA written to %s", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
