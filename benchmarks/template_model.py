"""Fit the scikit-learn pipeline the exported artifact came from (its config and best
parameters, on the same data) and pickle it for the template server and in-process timings."""

from __future__ import annotations

import pickle
from pathlib import Path

from contract.artifact import read_metadata
from training.config import DEFAULT_CONFIG, load_config
from training.experiment import load_data
from training.pipeline import build_pipeline, sklearn_value


def fit_artifact_pipeline(model_dir: Path):
    metadata = read_metadata(model_dir)
    params = {k: sklearn_value(v) for k, v in metadata.metrics["best_params"].items()}
    config = load_config(DEFAULT_CONFIG)
    train, _ = load_data(config)
    return build_pipeline(config).set_params(**params).fit(train.texts, train.labels)


def write_pickle(model_dir: Path, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        pickle.dump(fit_artifact_pipeline(model_dir), f)
    return path
