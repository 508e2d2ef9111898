"""Every model under the artifact directory, loaded once per worker and warmed up.

Loading runs off the event loop, so liveness answers while models load and readiness
says why it is not ready (still loading, or which model failed and how)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from contract.artifact import ArtifactError, ArtifactMetadata, model_dirs
from inference.kinds import load_runtime
from inference.predictions import Predictions
from inference.runtime import ArtifactRuntime
from server.batching import MicroBatcher
from server.capacity import Capacity
from server.metrics import ModelMetrics
from server.settings import ServerSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServedKind:
    results: Callable[[Predictions], list[Any]]  # what the handler gets back, one per item
    queue_setting: str  # the setting bounding the items a worker holds for one such model


@dataclass(frozen=True)
class LoadedModel:
    runtime: ArtifactRuntime[Any]  # chosen by the artifact's task (inference/kinds.py)
    metrics: ModelMetrics
    batcher: MicroBatcher[Any]
    capacity: Capacity

    @property
    def metadata(self) -> ArtifactMetadata:
        return self.runtime.metadata


def _with_probabilities(predictions: Predictions) -> list[tuple[str, np.ndarray]]:
    return list(zip(predictions.labels, predictions.probabilities, strict=True))


# What serving does with each kind of runtime (inference/kinds.py): its queue bound, its answers.
SERVED_KINDS = {
    "text-classification": ServedKind(lambda predictions: predictions.labels, "max_queued_products"),
    "image-classification": ServedKind(_with_probabilities, "max_queued_images"),
}


def _batch_predictor(
    served: ServedKind, runtime: ArtifactRuntime[Any], metrics: ModelMetrics
) -> Callable[[Sequence[Any]], list[Any]]:
    def predict(items: Sequence[Any]) -> list[Any]:
        predictions = runtime.predict_items(items)
        metrics.observe_predictions(predictions.labels, predictions.probabilities.max(axis=1))
        return served.results(predictions)

    return predict


class ModelRegistry:
    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.artifact_dir = settings.artifact_dir
        self.models: dict[str, LoadedModel] = {}
        self.ready = False
        self.problem: str | None = "loading"

    def load_all(self) -> None:
        started = time.perf_counter()
        try:
            dirs = model_dirs(self.artifact_dir)
            if not dirs:
                raise ArtifactError(f"no model directories (*/metadata.json) under {self.artifact_dir}")
            for model_dir in dirs:
                self._load(model_dir)
        except Exception as exc:  # any failure leaves the worker live but not ready
            self.problem = f"{type(exc).__name__}: {exc}"
            log.error("model loading failed", extra={"artifact_dir": str(self.artifact_dir), "error": self.problem})
            return
        self.ready, self.problem = True, None
        log.info(
            "models ready",
            extra={"models": sorted(self.models), "load_seconds": round(time.perf_counter() - started, 3)},
        )

    def _load(self, model_dir: Path) -> None:
        settings = self.settings
        runtime = load_runtime(model_dir, settings.intra_op_threads)
        metadata = runtime.metadata
        served = SERVED_KINDS[metadata.task]
        metrics = ModelMetrics(metadata.name, metadata.labels)
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"model-{metadata.name}")
        batcher: MicroBatcher[Any] = MicroBatcher(
            _batch_predictor(served, runtime, metrics), metrics, settings.max_batch_products, thread
        )
        limit = getattr(settings, served.queue_setting)
        capacity = Capacity(metadata.name, limit, served.queue_setting, settings.retry_after_seconds)
        self.models[metadata.name] = LoadedModel(runtime, metrics, batcher, capacity)
        log.info("model loaded", extra={"model": metadata.name, "version": metadata.version, "dir": str(model_dir)})

    def get(self, name: str) -> LoadedModel | None:
        return self.models.get(name)
