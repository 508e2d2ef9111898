"""The served models of this worker: each loaded once from the artifact directory, warmed up, and
given its micro-batcher, queue bound and metrics.

Loading runs off the event loop (server/lifespan.py), so liveness answers while models load and
readiness says why it is not ready (still loading, or which model failed and how)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract.artifact import ArtifactError, ArtifactMetadata, model_dirs, read_metadata
from inference.kinds import load_runtime
from inference.runtime import ArtifactRuntime
from server.batching import MicroBatcher
from server.capacity import Capacity
from server.metrics.model import ModelMetrics
from server.served_models.declaration import ServedModel
from server.settings import ServerSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    runtime: ArtifactRuntime[Any]  # chosen by the artifact's task (inference/kinds.py)
    metrics: ModelMetrics
    batcher: MicroBatcher[Any]
    capacity: Capacity

    @property
    def metadata(self) -> ArtifactMetadata:
        return self.runtime.metadata


def _batch_predictor(
    served: ServedModel, runtime: ArtifactRuntime[Any], metrics: ModelMetrics
) -> Callable[[Sequence[Any]], list[Any]]:
    def predict(items: Sequence[Any]) -> list[Any]:
        predictions = runtime.predict_items(items)
        metrics.observe_predictions(predictions.labels, predictions.probabilities.max(axis=1))
        return served.results(predictions)

    return predict


class ModelRegistry:
    def __init__(self, settings: ServerSettings, served: Sequence[ServedModel]) -> None:
        self.settings = settings
        self.artifact_dir = settings.artifact_dir
        self.served = {model.name: model for model in served}
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
        metadata = read_metadata(model_dir)
        served = self.served.get(metadata.name)
        if served is None:  # an artifact no route serves would only take memory
            log.warning("model not served", extra={"model": metadata.name, "served": sorted(self.served)})
            return
        if metadata.task != served.task:
            raise ArtifactError(
                f"{model_dir}: task {metadata.task!r}, but {served.name!r} is served as {served.task!r}"
            )
        settings = self.settings
        runtime = load_runtime(model_dir, settings.intra_op_threads)
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
