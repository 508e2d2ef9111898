"""Fit the scikit-learn pipeline the exported artifact came from (its config and best
parameters, on the same data) and pickle it for the template server and in-process timings.

Run as a process by benchmarks/run.py (`python -m benchmarks.template_model ARTIFACT_DIR OUT`), so
that fitting (scikit-learn, the training data) stays out of the process that measures servers."""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

from sklearn.pipeline import Pipeline

from contract.artifact import read_metadata
from training.config import DEFAULT_CONFIG, load_config
from training.pattern.config import PatternConfig
from training.pattern.data import load_data
from training.pattern.pipeline import build_pipeline, sklearn_value


def fit_artifact_pipeline(model_dir: Path) -> Pipeline:
    metadata = read_metadata(model_dir)
    params = {k: sklearn_value(v) for k, v in metadata.metrics["best_params"].items()}
    config = load_config(DEFAULT_CONFIG)
    if not isinstance(config, PatternConfig):  # the default config is the pattern model's
        raise TypeError(f"{DEFAULT_CONFIG}: not a pattern model config")
    train, _ = load_data(config)
    return build_pipeline(config).set_params(**params).fit(train.texts, train.labels)


def write_pickle(model_dir: Path, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        pickle.dump(fit_artifact_pipeline(model_dir), f)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.template_model")
    parser.add_argument("artifact_dir", type=Path, help="the exported pattern model, e.g. artifacts/pattern")
    parser.add_argument("out", type=Path, help="where to write the pickled pipeline")
    args = parser.parse_args(argv)
    write_pickle(args.artifact_dir, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
