"""The default experiment reproduces the prototype (docs/prototype.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import require


@pytest.fixture(scope="module")
def metrics(prototype_run: Path) -> dict:
    return json.loads((prototype_run / "metrics.json").read_text())


@pytest.mark.slow
def test_all_953_test_predictions_equal_the_prototypes(prototype_run: Path, data_dir: Path) -> None:
    reference = pd.read_csv(require(data_dir / "asos" / "prototype_predictions_test.csv", "prototype predictions"))
    ours = pd.read_csv(prototype_run / "predictions_test.csv")
    assert list(ours.columns) == ["productIdentifier", "pattern"]
    assert len(ours) == 953
    merged = reference.merge(ours, on="productIdentifier", suffixes=("_prototype", "_ours"), validate="1:1")
    assert len(merged) == 953
    differing = merged[merged.pattern_prototype != merged.pattern_ours]
    assert differing.empty, differing.head()


def test_grid_search_finds_the_prototypes_best_parameters_and_score(metrics: dict) -> None:
    grid = metrics["grid_search"]
    assert grid["n_candidates"] == 54
    assert grid["best_params"] == {
        "clf__alpha": 0.001,
        "clf__l1_ratio": 0.1,
        "tfidf_vect__max_df": 0.75,
        "tfidf_vect__ngram_range": [1, 1],
    }
    assert grid["best_cv_accuracy"] == pytest.approx(0.8294555867034945, abs=1e-12)


def test_final_model_figures_match(metrics: dict) -> None:
    final = metrics["final_model"]
    assert final["cv_folds"] == 16
    assert round(final["cv_accuracy_mean"], 5) == 0.83042
    assert final["coefficients"]["vocabulary_size"] == 1845
    assert round(metrics["train_fit"]["accuracy"], 2) == 0.91


def test_test_prediction_counts_per_class_match(metrics: dict) -> None:
    assert metrics["test_predictions"]["per_class"] == {
        "Floral": 378,
        "Embellished": 199,
        "Graphic": 117,
        "Stripe": 101,
        "Embroidered": 67,
        "Check": 35,
        "Animal": 26,
        "Spot": 19,
        "Placement": 11,
    }


def test_held_out_evaluation_is_reported(metrics: dict) -> None:
    holdout = metrics["holdout"]
    assert holdout["fraction"] == 0.1
    assert holdout["products"] == 305
    assert round(holdout["accuracy"], 3) == 0.813
    assert round(holdout["macro_f1"], 3) == 0.766
    assert set(holdout["per_class"]) == set(metrics["test_predictions"]["per_class"])
