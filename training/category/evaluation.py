"""Metrics of a category model on a labelled set: grouped accuracy and macro-F1, per-group
precision/recall/F1, confusion matrices, calibration, the worst mistakes, inference cost."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from torch import nn

from contract.fashion_groups import CLASS_TO_GROUP, CLASSES, GROUPS


def grouped_metrics(classes: np.ndarray, group_p: np.ndarray) -> dict[str, Any]:
    truth = CLASS_TO_GROUP[classes]
    predicted = group_p.argmax(1)
    labels = list(range(len(GROUPS)))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    counts = confusion_matrix(truth, predicted, labels=labels)
    return {
        "accuracy": float((truth == predicted).mean()),
        "macro_f1": float(f1_score(truth, predicted, average="macro", labels=labels, zero_division=0)),
        "errors": int((truth != predicted).sum()),
        "images": len(truth),
        "per_group": {
            g: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, g in enumerate(GROUPS)
        },
        "confusion": counts.tolist(),
        "confusion_normalised": (counts / np.maximum(counts.sum(1, keepdims=True), 1)).round(4).tolist(),
        "class_to_group_confusion": _class_by_group(classes, predicted).tolist(),
    }


def _class_by_group(classes: np.ndarray, predicted_groups: np.ndarray) -> np.ndarray:
    """(10, 5): which group each true class was predicted as; shows where grouped errors come from."""
    table = np.zeros((len(CLASSES), len(GROUPS)), dtype=np.int64)
    np.add.at(table, (classes, predicted_groups), 1)
    return table


def class_confusion(classes: np.ndarray, class_p: np.ndarray) -> dict[str, Any]:
    predicted = class_p.argmax(1)
    counts = confusion_matrix(classes, predicted, labels=list(range(len(CLASSES))))
    within = sum(
        counts[i, j] for i in range(10) for j in range(10) if i != j and CLASS_TO_GROUP[i] == CLASS_TO_GROUP[j]
    )
    errors = int((classes != predicted).sum())
    return {
        "accuracy": float((classes == predicted).mean()),
        "confusion": counts.tolist(),
        "errors": errors,
        "errors_within_a_group": int(within),
    }


def calibration(classes: np.ndarray, group_p: np.ndarray, bins: int) -> dict[str, Any]:
    """Expected calibration error of the top group probability, and the reliability table."""
    truth = CLASS_TO_GROUP[classes]
    confidence = group_p.max(1)
    correct = group_p.argmax(1) == truth
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        mask = which == b
        if not mask.any():
            continue
        acc, conf = float(correct[mask].mean()), float(confidence[mask].mean())
        ece += mask.mean() * abs(acc - conf)
        table.append(
            {
                "low": float(edges[b]),
                "high": float(edges[b + 1]),
                "count": int(mask.sum()),
                "accuracy": acc,
                "confidence": conf,
            }
        )
    return {"ece": float(ece), "bins": table}


def worst_mistakes(classes: np.ndarray, group_p: np.ndarray, size: int) -> list[dict[str, Any]]:
    """The wrong answers given with the most confidence."""
    truth = CLASS_TO_GROUP[classes]
    predicted = group_p.argmax(1)
    wrong = np.flatnonzero(predicted != truth)
    order = wrong[np.argsort(-group_p[wrong, predicted[wrong]], kind="stable")][:size]
    return [
        {
            "index": int(i),
            "class": CLASSES[classes[i]],
            "truth": GROUPS[truth[i]],
            "predicted": GROUPS[predicted[i]],
            "confidence": float(group_p[i, predicted[i]]),
        }
        for i in order
    ]


@torch.no_grad()
def inference_cost(model: nn.Module, repeats: int = 200) -> dict[str, Any]:
    """Parameters and PyTorch CPU latency, one thread (as a serving worker runs)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    model.eval()
    try:
        single = torch.rand(1, 1, 28, 28).contiguous(memory_format=torch.channels_last)
        batch = torch.rand(256, 1, 28, 28).contiguous(memory_format=torch.channels_last)
        return {
            "parameters": sum(p.numel() for p in model.parameters()),
            "ms_per_image_batch1": _median_ms(model, single, repeats),
            "ms_per_image_batch256": _median_ms(model, batch, max(5, repeats // 20)) / 256,
        }
    finally:
        torch.set_num_threads(threads)


def _median_ms(model: nn.Module, x: torch.Tensor, repeats: int) -> float:
    model(x)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        model(x)
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1000)
