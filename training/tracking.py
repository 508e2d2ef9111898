"""Optional MLflow tracking: when MLFLOW_TRACKING_URI is set, every training run is logged
(parameters, metrics, report, plots and the model file) and every export registers its ONNX
model with the artifact metadata. The run directories stay the source of truth: MLflow is a
searchable copy, and nothing here runs without the variable.

Local default (documented in the README): MLFLOW_TRACKING_URI=sqlite:///mlflow.db."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from training.tasks import TASKS

log = logging.getLogger(__name__)
ENV = "MLFLOW_TRACKING_URI"
LOGGED_SUFFIXES = {".md", ".png", ".json", ".toml", ".csv", ".pt", ".pkl"}


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> dict[str, Any]:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    else:
        out[prefix] = value
    return out


def _numeric(values: dict[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in values.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def _headline(task: str, metrics: dict[str, Any]) -> dict[str, float]:
    """The artifact metadata's headline figures, plus what only tracking keeps (the model's own)."""
    model = TASKS[task]
    return _numeric(model.headline(metrics)) | model.tracked(metrics)


def log_run(run_dir: Path, task: str, config: dict[str, Any], metrics: dict[str, Any]) -> str | None:
    """Log a finished run directory; returns the MLflow run id (None when tracking is off)."""
    if not enabled():
        return None
    import mlflow

    mlflow.set_experiment(f"catalogue-{task}")
    with mlflow.start_run(run_name=run_dir.name, tags={"task": task, "run_dir": str(run_dir)}) as run:
        params = {k: str(v)[:500] for k, v in _flatten("", config, {}).items()}
        mlflow.log_params(params)
        mlflow.log_metrics({k.replace(" ", "_"): v for k, v in _headline(task, metrics).items()})
        for record in metrics.get("history", []):  # per-epoch curves for category runs
            mlflow.log_metric("validation_group_accuracy", record["validation_group_accuracy"], step=record["epoch"])
            mlflow.log_metric("train_loss", record["train_loss"], step=record["epoch"])
        for path in sorted(run_dir.iterdir()):
            if path.is_file() and path.suffix in LOGGED_SUFFIXES:
                mlflow.log_artifact(str(path))
        log.info("logged to MLflow", extra={"run_id": run.info.run_id, "experiment": f"catalogue-{task}"})
        return run.info.run_id


def register_export(model_dir: Path, metadata: Any, source_run: str) -> str | None:
    """Register an exported model directory (ONNX + metadata) as a new model version, tagged with
    the run it came from (a local run directory: in MLflow, not in the committed metadata)."""
    if not enabled():
        return None
    import mlflow
    from mlflow import MlflowClient

    name = f"catalogue-{metadata.name}"
    mlflow.set_experiment(f"catalogue-{metadata.name}")
    with mlflow.start_run(run_name=f"export-{metadata.version}", tags={"source_run": source_run}) as run:
        mlflow.log_artifacts(str(model_dir), artifact_path="model")
        mlflow.log_metrics(_numeric(metadata.metrics))
    client = MlflowClient()
    if not client.search_registered_models(filter_string=f"name='{name}'"):
        client.create_registered_model(name, description=f"{metadata.task}; labels: {', '.join(metadata.labels)}")
    version = client.create_model_version(
        name,
        source=f"{run.info.artifact_uri}/model",
        run_id=run.info.run_id,
        tags={
            "artifact_version": metadata.version,
            "onnx_sha256": metadata.onnx_sha256,
            "source_run": source_run,
            "equivalence_passed": str(metadata.equivalence.passed),
        },
        description=f"Exported from run {source_run}",
    )
    log.info("registered in MLflow", extra={"model": name, "model_version": version.version})
    return version.version
