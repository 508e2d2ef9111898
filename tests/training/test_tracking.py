"""MLflow tracking: with MLFLOW_TRACKING_URI set, `train` logs the run and `export` registers the
ONNX model with its metadata; without it nothing is logged (the run directory is the record)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, run_training

CONFIG = ROOT / "training" / "configs" / "category-cnn-classes.toml"
TINY = [
    "data.train_limit=1000",
    "data.test_limit=200",
    "train.epochs=1",
    "model.width=4",
    "evaluation.photo_check=false",
]


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory, env_with_data: dict[str, str], fashion_dir: Path) -> dict:
    root = tmp_path_factory.mktemp("tracking")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    env = {**env_with_data, "RUNS_DIR": str(root / "runs"), "MLFLOW_TRACKING_URI": uri}
    trained = run_training(["train", "--config", str(CONFIG), *(f"--set={s}" for s in TINY)], env)
    assert trained.returncode == 0, trained.stderr[-3000:]
    exported = run_training(["export", "--run", "latest-category", "--artifact-dir", str(root / "artifacts")], env)
    assert exported.returncode == 0, exported.stderr[-3000:]
    return {"uri": uri, "run_dir": (root / "runs" / "latest-category").resolve(), "root": root}


@pytest.mark.slow
def test_training_run_is_logged(tracked: dict) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracked["uri"])
    experiment = client.get_experiment_by_name("catalogue-category")
    (run,) = [r for r in client.search_runs([experiment.experiment_id]) if r.info.run_name == tracked["run_dir"].name]  # type: ignore[union-attr]
    assert run.data.params["model.architecture"] == "cnn" and run.data.params["data.train_limit"] == "1000"
    assert 0.0 < run.data.metrics["test_accuracy"] <= 1.0 and "ece" in run.data.metrics
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"report.md", "metrics.json", "config.toml", "model.pt", "confusion.png"} <= artifacts


@pytest.mark.slow
def test_export_registers_the_onnx_model(tracked: dict) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracked["uri"], registry_uri=tracked["uri"])
    (version,) = client.search_model_versions("name='catalogue-category'")
    metadata = (tracked["root"] / "artifacts" / "category" / "metadata.json").read_text()
    assert version.tags["artifact_version"] in metadata and version.tags["equivalence_passed"] == "True"
    assert version.tags["source_run"] == tracked["run_dir"].name
    files = {a.path for a in client.list_artifacts(version.run_id, "model")}  # type: ignore[arg-type]
    assert files == {"model/model.onnx", "model/metadata.json"}


def test_nothing_is_logged_without_the_variable(env_with_data: dict[str, str], tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    from training.tracking import log_run

    assert log_run(tmp_path, "category", {}, {}) is None
    assert not list(tmp_path.iterdir())
