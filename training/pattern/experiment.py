"""The pattern experiment: the prototype's procedure plus the held-out evaluation it forgot.

Steps (prototype.md): fit the base pipeline on all training data and report it; grid-search
with stratified k-fold CV; score the refit best model with a second k-fold CV; predict the
test set. Added: fit the best parameters on a stratified (1 - holdout) split and evaluate on
the rest, the only figure here not computed on data the model was tuned on.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import Pipeline

from training.pattern.config import PatternConfig
from training.pattern.data import check_against_data, load_data
from training.pattern.evaluation import classification_summary, coefficient_summary, label_counts
from training.pattern.model_file import write_model
from training.pattern.pipeline import build_pipeline, model_inputs, param_grid
from training.pattern.report import GRID_FILE, write_report
from training.runs import PREDICTIONS_FILE

log = logging.getLogger(__name__)
HOLDOUT_PREDICTIONS_FILE = "predictions_holdout.csv"  # id, label, predicted: paired comparisons read it
CV_PREDICTIONS_FILE = "predictions_cv.csv"  # the same, out of fold, for every training product
SCORES = ("accuracy", "f1_macro")  # scikit-learn scorer names, computed for every grid candidate


@dataclass
class PatternResult:
    model: Pipeline
    metrics: dict[str, Any]
    grid_results: pd.DataFrame
    test_ids: list[str]
    test_predictions: list[str]
    holdout_predictions: pd.DataFrame
    cv_predictions: pd.DataFrame


def fit_pattern(config: PatternConfig) -> PatternResult:
    """The experiment itself: every fit and figure, nothing written."""
    train, test = load_data(config)
    check_against_data(config, train)
    labels = config.data.labels
    assert train.labels is not None
    X, y = model_inputs(build_pipeline(config), train.products), train.labels
    timings: dict[str, float] = {}
    log.info("data loaded: %d train, %d test products", len(X), len(test.texts))

    started = time.perf_counter()
    base = build_pipeline(config).fit(X, y)
    train_fit = classification_summary(y, base.predict(X).tolist(), labels)
    train_fit["coefficients"] = coefficient_summary(base, config.evaluation.top_tokens)
    timings["base_fit_s"] = time.perf_counter() - started
    log.info("base fit: training-set accuracy %.4f", train_fit["accuracy"])

    started = time.perf_counter()
    search = _grid_search(config).fit(X, y)
    timings["grid_search_s"] = time.perf_counter() - started
    final: Pipeline = search.best_estimator_
    log.info("grid search: best %s %.5f with %s", config.search.scoring, search.best_score_, search.best_params_)

    started = time.perf_counter()
    cv_scores = cross_val_score(
        final,
        X,
        y,
        cv=StratifiedKFold(n_splits=config.evaluation.cv_folds),
        n_jobs=config.search.n_jobs,
    )
    timings["final_cv_s"] = time.perf_counter() - started
    log.info("final model %d-fold CV accuracy %.5f", len(cv_scores), cv_scores.mean())

    holdout, holdout_predictions = _holdout(config, final, train.ids, X, y)
    cv_predictions = _out_of_fold(config, final, train.ids, X, y)
    log.info("held-out: accuracy %.4f, macro-F1 %.4f", holdout["accuracy"], holdout["macro_f1"])

    predictions = final.predict(model_inputs(final, test.products)).tolist()
    metrics = {
        "train_fit": train_fit,
        "grid_search": {
            "n_candidates": len(search.cv_results_["params"]),
            "n_splits": config.search.n_splits,
            "scoring": config.search.scoring,
            "best_params": _plain(search.best_params_),
            "best_cv_accuracy": float(search.cv_results_["mean_test_accuracy"][search.best_index_]),
            "best_cv_macro_f1": float(search.cv_results_["mean_test_f1_macro"][search.best_index_]),
        },
        "final_model": {
            "cv_folds": len(cv_scores),
            "cv_accuracy_mean": float(cv_scores.mean()),
            "cv_accuracy_std": float(cv_scores.std()),
            "cv_scores": cv_scores.tolist(),
            "coefficients": coefficient_summary(final, config.evaluation.top_tokens),
        },
        "holdout": holdout,
        "test_predictions": {"products": len(predictions), "per_class": label_counts(predictions, labels)},
        "timings_s": timings,
    }
    return PatternResult(
        final, metrics, _grid_table(search), test.ids, predictions, holdout_predictions, cv_predictions
    )


def run_pattern_experiment(config: PatternConfig, run_dir: Path) -> dict[str, Any]:
    """The experiment into `run_dir`: model.pkl, grid_search.csv, the test predictions and the
    report; returns the metrics (written last, by the caller, as metrics.json)."""
    result = fit_pattern(config)
    result.metrics["config_name"] = config.name
    result.metrics["run_id"] = run_dir.name
    write_model(run_dir, result.model)
    result.grid_results.to_csv(run_dir / GRID_FILE, index=False)
    predictions = pd.DataFrame({config.data.id_column: result.test_ids, "pattern": result.test_predictions})
    predictions.to_csv(run_dir / PREDICTIONS_FILE, index=False)
    result.holdout_predictions.to_csv(run_dir / HOLDOUT_PREDICTIONS_FILE, index=False)
    result.cv_predictions.to_csv(run_dir / CV_PREDICTIONS_FILE, index=False)
    write_report(run_dir, result.metrics, result.grid_results)
    return result.metrics


def _grid_search(config: PatternConfig) -> GridSearchCV:
    search = config.search
    return GridSearchCV(
        build_pipeline(config),
        param_grid(config),
        # Both figures for every candidate; the config's scoring picks the best (the prototype: accuracy).
        scoring=list(SCORES),
        refit=search.scoring,
        cv=StratifiedKFold(n_splits=search.n_splits),
        n_jobs=search.n_jobs,
        verbose=search.verbose,
    )


def _holdout(
    config: PatternConfig, final: Pipeline, ids: list[str], X: list[Any], y: list[str]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """The held-out figures, and each held-out product's label and prediction (for paired comparisons
    of two runs on the same products: the split depends only on the data and the seed)."""
    fraction = config.evaluation.holdout_fraction
    split = train_test_split(ids, X, y, test_size=fraction, stratify=y, random_state=config.seed)
    _, ids_held, X_fit, X_held, y_fit, y_held = split
    model = clone(final).fit(X_fit, y_fit)
    predicted = model.predict(X_held).tolist()
    summary = classification_summary(y_held, predicted, config.data.labels)
    summary["fraction"] = fraction
    return summary, pd.DataFrame({config.data.id_column: ids_held, "label": y_held, "predicted": predicted})


def _out_of_fold(config: PatternConfig, final: Pipeline, ids: list[str], X: list[Any], y: list[str]) -> pd.DataFrame:
    """Every training product predicted by the final parameters fit on the other folds (the grid
    search's folds): a paired comparison of two runs on 3,049 products instead of 305."""
    folds = StratifiedKFold(n_splits=config.search.n_splits)
    predicted = cross_val_predict(final, X, y, cv=folds, n_jobs=config.search.n_jobs).tolist()
    return pd.DataFrame({config.data.id_column: ids, "label": y, "predicted": predicted})


def _grid_table(search: GridSearchCV) -> pd.DataFrame:
    results = search.cv_results_
    table = pd.DataFrame([_plain(p) for p in results["params"]])
    table["mean_cv_accuracy"] = results["mean_test_accuracy"]
    table["std_cv_accuracy"] = results["std_test_accuracy"]
    table["mean_cv_macro_f1"] = results["mean_test_f1_macro"]
    table["rank"] = results[f"rank_test_{search.refit}"]
    return table.sort_values(["rank"], kind="stable")


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
