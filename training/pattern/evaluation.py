"""Metrics of a fitted pattern pipeline, as plain data for metrics.json and the report."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score
from sklearn.pipeline import Pipeline

from training.pattern.pipeline import CLASSIFIER_STEP, VECTORIZER_STEP


def classification_summary(y_true: list[str], y_pred: list[str], labels: list[str]) -> dict[str, Any]:
    report = classification_report(y_true, y_pred, labels=labels, output_dict=True, zero_division=0)
    return {
        "products": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_class": {
            label: {
                "precision": report[label]["precision"],
                "recall": report[label]["recall"],
                "f1": report[label]["f1-score"],
                "support": int(report[label]["support"]),
            }
            for label in labels
        },
        "labels": labels,
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


def coefficient_summary(pipeline: Pipeline, top_n: int) -> dict[str, Any]:
    """Top positive tokens and coefficient sparsity per class (the prototype printed both)."""
    vocabulary = pipeline[VECTORIZER_STEP].get_feature_names_out()
    classifier = pipeline[CLASSIFIER_STEP]
    per_class = {}
    for label, coef in zip(classifier.classes_, classifier.coef_, strict=True):
        top = np.argsort(coef)[::-1][:top_n]
        per_class[str(label)] = {
            "top_tokens": [str(vocabulary[i]) for i in top],
            "sparsity": float(np.mean(coef == 0)),
        }
    return {"vocabulary_size": len(vocabulary), "per_class": per_class}


def label_counts(labels: list[str], order: list[str]) -> dict[str, int]:
    counts = Counter(labels)
    return {label: counts.get(label, 0) for label in order}
