"""The fitted pattern pipeline on disk: a run directory's model.pkl."""

from __future__ import annotations

import pickle
from pathlib import Path

from sklearn.pipeline import Pipeline

MODEL_FILE = "model.pkl"


def write_model(run_dir: Path, model: Pipeline) -> None:
    with (run_dir / MODEL_FILE).open("wb") as f:
        pickle.dump(model, f, protocol=pickle.HIGHEST_PROTOCOL)


def load_model(run_dir: Path) -> Pipeline:
    # Only unpickle run directories this project wrote: pickle runs code on load.
    with (run_dir / MODEL_FILE).open("rb") as f:
        return pickle.load(f)
