"""A category run's report: report.md beside the PNGs it shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.ticker import MaxNLocator

from contract.fashion_groups import CLASSES, GROUPS
from training.category.config import CategoryConfig
from training.config import ConfigError, load_config
from training.plots import plt, save_figure
from training.runs import CONFIG_FILE


def _heatmap(ax: Any, matrix: np.ndarray, rows: list[str], cols: list[str], title: str, fmt: str) -> None:
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    top = matrix.max() or 1
    for (i, j), v in np.ndenumerate(matrix):
        ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=7, color="white" if v > top / 2 else "black")


TARGET_NAMES = {"classes": "10 classes", "groups": "5 groups"}


def plot_curves(
    history: list[dict[str, Any]], path: Path, targets: str, augmented: bool | None, best_epoch: int | None = None
) -> None:
    """Three panels, because the two losses are different quantities: the training objective on
    the run's targets (10 classes or 5 groups, plus any hierarchical term, on augmented batches
    when augmentation is on) and the validation loss of the grouped prediction (group NLL)."""
    epochs = [h["epoch"] for h in history]
    targets = TARGET_NAMES.get(targets, targets)
    on_batches = {True: ", augmented batches", False: ", no augmentation", None: ""}[augmented]
    fig, (objective, validation, accuracy) = plt.subplots(1, 3, figsize=(13, 3.6))
    objective.plot(epochs, [h["train_loss"] for h in history], marker="o", color="tab:blue")
    objective.set_title(f"training loss ({targets}{on_batches})", fontsize=10)
    validation.plot(epochs, [h["validation_loss"] for h in history], marker="o", color="tab:orange")
    validation.set_title("validation loss (5 groups, NLL)", fontsize=10)
    accuracy.plot(
        epochs, [h["train_accuracy"] for h in history], marker="o", color="tab:blue", label=f"train ({targets})"
    )
    accuracy.plot(
        epochs,
        [h["validation_group_accuracy"] for h in history],
        marker="o",
        color="tab:orange",
        label="validation (5 groups)",
    )
    accuracy.set_title("accuracy", fontsize=10)
    for ax in (objective, validation, accuracy):
        ax.set_xlabel("epoch")
        if len(epochs) <= 12:  # every epoch a tick, even a run of one epoch: no epoch 1.5 or 0.975
            ax.set_xticks(epochs)
            ax.set_xlim(min(epochs) - 0.5, max(epochs) + 0.5)
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if best_epoch:
            ax.axvline(best_epoch, color="grey", linestyle=":", linewidth=1, label="best epoch (kept)")
    accuracy.legend(fontsize=9, loc="best")
    save_figure(fig, path, 90)


def _augmented(run_dir: Path) -> bool | None:
    """Whether the run trained on augmented batches, from its resolved config (None if unknown)."""
    try:
        config = load_config(run_dir / CONFIG_FILE)
    except ConfigError:
        return None
    return config.train.augment if isinstance(config, CategoryConfig) else None


def plot_confusions(test: dict[str, Any], path: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    _heatmap(axes[0], np.array(test["confusion"]), list(GROUPS), list(GROUPS), "test: groups (counts)", "d")
    _heatmap(
        axes[1],
        np.array(test["confusion_normalised"]),
        list(GROUPS),
        list(GROUPS),
        "test: groups (row-normalised)",
        ".3f",
    )
    _heatmap(
        axes[2],
        np.array(test["class_to_group_confusion"]),
        list(CLASSES),
        list(GROUPS),
        "test: true class → predicted group",
        "d",
    )
    save_figure(fig, path, 90)


def plot_class_confusion(confusion: list[list[int]], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 6))
    _heatmap(ax, np.array(confusion), list(CLASSES), list(CLASSES), "test: 10-class confusion", "d")
    save_figure(fig, path, 90)


def plot_reliability(calibration: dict[str, Any], path: Path) -> None:
    bins = calibration["bins"]
    fig, ax = plt.subplots(figsize=(4.5, 4))
    centres = [(b["low"] + b["high"]) / 2 for b in bins]
    ax.bar(
        centres, [b["accuracy"] for b in bins], width=1 / max(len(bins), 15), edgecolor="k", alpha=0.7, label="accuracy"
    )
    ax.plot([0, 1], [0, 1], "k--", label="perfect calibration")
    ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], "ro", ms=3, label="bin confidence")
    ax.set_xlabel("top group probability")
    ax.set_ylabel("accuracy")
    ax.set_title(f"reliability (ECE {calibration['ece']:.4f})", fontsize=10)
    ax.legend(fontsize=7)
    save_figure(fig, path, 90)


def plot_gallery(images: np.ndarray, mistakes: list[dict[str, Any]], path: Path) -> None:
    cols = 8
    rows = max(1, -(-len(mistakes) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.6, rows * 1.9))
    for ax in np.atleast_1d(axes).ravel():
        ax.axis("off")
    for ax, m in zip(np.atleast_1d(axes).ravel(), mistakes, strict=False):
        ax.imshow(images[m["index"]], cmap="gray")
        ax.set_title(f"{m['class']}\n→ {m['predicted']} {m['confidence']:.2f}", fontsize=7)
    save_figure(fig, path, 90)


def _group_table(per_group: dict[str, dict[str, float]]) -> str:
    lines = ["| group | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for g, m in per_group.items():
        lines.append(f"| {g} | {m['precision']:.4f} | {m['recall']:.4f} | {m['f1']:.4f} | {m['support']} |")
    return "\n".join(lines)


def write_report(run_dir: Path, metrics: dict[str, Any], test_images: np.ndarray) -> None:
    plot_curves(
        metrics["history"],
        run_dir / "curves.png",
        metrics["model"]["targets"],
        _augmented(run_dir),
        metrics["training"].get("best_epoch"),
    )
    test = metrics["test"]
    plot_confusions(test, run_dir / "confusion.png")
    plot_reliability(metrics["calibration"], run_dir / "reliability.png")
    plot_gallery(test_images, metrics["worst_mistakes"], run_dir / "errors.png")
    images = ["curves", "confusion", "reliability", "errors"]
    if "class_confusion" in metrics:
        plot_class_confusion(metrics["class_confusion"]["confusion"], run_dir / "class_confusion.png")
        images.append("class_confusion")
    cost, training = metrics["inference_cost"], metrics["training"]
    lines = [
        f"# Category run {metrics['run_id']} ({metrics['config_name']})",
        "",
        f"{metrics['model']['architecture']} (width {metrics['model']['width']}) on {metrics['model']['targets']}, "
        f"seed {metrics['seed']}; {training['epochs_run']} epochs in {training['seconds']:.0f} s, best epoch "
        f"{training['best_epoch']} ({training['stopped_because']}).",
        "",
        "| split | grouped accuracy | macro-F1 | errors |",
        "|---|---|---|---|",
        f"| validation ({metrics['validation']['images']}) | {metrics['validation']['accuracy']:.4f} | "
        f"{metrics['validation']['macro_f1']:.4f} | {metrics['validation']['errors']} |",
        f"| test ({test['images']}) | {test['accuracy']:.4f} | {test['macro_f1']:.4f} | {test['errors']} |",
    ]
    if "photo_test" in metrics:
        photo = metrics["photo_test"]
        lines.append(
            f"| test as photos ({photo['size']}×{photo['size']}, inverted, via contract.image) | "
            f"{photo['accuracy']:.4f} | {photo['macro_f1']:.4f} | {photo['errors']} |"
        )
    if "single_view" in metrics:
        single = metrics["single_view"]
        lines += [
            "",
            f"Without test-time flip averaging (the same weights, one view per image): validation "
            f"{single['validation']:.4f}, test {single['test']:.4f}.",
        ]
    lines += ["", "## Per group (test)", "", _group_table(test["per_group"]), ""]
    if "class_confusion" in metrics:
        cc = metrics["class_confusion"]
        lines += [
            f"10-class accuracy {cc['accuracy']:.4f}: {cc['errors']} class errors, {cc['errors_within_a_group']} of "
            "them inside a group (they cost nothing once grouped).",
            "",
        ]
    lines += [
        f"Calibration: ECE {metrics['calibration']['ece']:.4f} over {len(metrics['calibration']['bins'])} non-empty "
        "confidence bins (top group probability vs accuracy; plot below).",
        "",
        f"Inference (PyTorch, 1 thread): {cost['parameters']:,} parameters, {cost['ms_per_image_batch1']:.3f} ms "
        f"per image alone, {cost['ms_per_image_batch256']:.4f} ms per image in batches of 256.",
        "",
    ]
    lines += [f"![{name}]({name}.png)\n" for name in images]
    (run_dir / "report.md").write_text("\n".join(lines))
