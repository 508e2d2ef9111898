"""The model repository of this worker: every model directory under the artifact directory is
served, under the directory's name (Triton's and MLServer's model repository). Each is loaded once,
warmed up, and given its micro-batcher, queue bound and metrics; its artifact's `task` says which
runtime (inference/kinds.py) and which serving kind (server/kinds/) it gets.

Loading runs off the event loop (server/lifespan.py), so liveness answers while models load. A
directory that fails to load is reported (readiness, /models, the log) without hiding the others,
which serve; the worker is ready once every directory has loaded (Triton's strict readiness)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contract.artifact import ArtifactError, ArtifactMetadata, model_dirs
from inference.kinds import load_runtime
from inference.predictions import Predictions
from inference.runtime import ArtifactRuntime
from server.batching import MicroBatcher
from server.capacity import Capacity
from server.kinds.declaration import ServedKind
from server.metrics.model import ModelMetrics
from server.settings import ServerSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedModel:
    name: str  # its directory's name
    runtime: ArtifactRuntime[Any]  # chosen by the artifact's task (inference/kinds.py)
    metrics: ModelMetrics
    batcher: MicroBatcher[Any, Predictions]
    capacity: Capacity
    kind: ServedKind  # how the server feeds it, chosen by the artifact's task (server/kinds/)

    @property
    def metadata(self) -> ArtifactMetadata:
        return self.runtime.metadata


def _batch_predictor(runtime: ArtifactRuntime[Any], metrics: ModelMetrics) -> Callable[[Sequence[Any]], Predictions]:
    def predict(items: Sequence[Any]) -> Predictions:
        predictions = runtime.predict_items(items)
        metrics.observe_predictions(predictions.labels, predictions.probabilities.max(axis=1))
        return predictions

    return predict


class ModelRegistry:
    def __init__(self, settings: ServerSettings, kinds: Mapping[str, ServedKind]) -> None:
        self.settings = settings
        self.artifact_dir = settings.artifact_dir
        self.kinds = kinds
        self.models: dict[str, LoadedModel] = {}
        self.failed: dict[str, str] = {}  # model name → why it did not load
        self.ready = False
        self.problem: str | None = "loading"

    def load_all(self) -> None:
        started = time.perf_counter()
        dirs = model_dirs(self.artifact_dir)
        for model_dir in dirs:
            try:
                self._load(model_dir)
            except Exception as exc:  # one bad directory does not hide the others
                self.failed[model_dir.name] = f"{type(exc).__name__}: {exc}"
                log.error("model loading failed", extra={"model": model_dir.name, "error": self.failed[model_dir.name]})
        if not dirs:
            self.problem = f"ArtifactError: no model directories (*/metadata.json) under {self.artifact_dir}"
        elif self.failed:
            self.problem = "; ".join(f"model {name!r}: {problem}" for name, problem in sorted(self.failed.items()))
        else:
            self.ready, self.problem = True, None
        log.log(
            logging.INFO if self.ready else logging.ERROR,
            "models ready" if self.ready else "models not ready",
            extra={
                "models": sorted(self.models),
                "failed": sorted(self.failed),
                "load_seconds": round(time.perf_counter() - started, 3),
            },
        )

    def _load(self, model_dir: Path) -> None:
        name = model_dir.name
        settings = self.settings
        runtime = load_runtime(model_dir, settings.intra_op_threads)
        metadata = runtime.metadata
        kind = self.kinds.get(metadata.task)
        if kind is None:  # a kind inference can run but this server has no routes and limits for
            raise ArtifactError(f"{model_dir}: task {metadata.task!r} is not served; served: {sorted(self.kinds)}")
        metrics = ModelMetrics(name, metadata.labels)
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"model-{name}")
        batcher: MicroBatcher[Any, Predictions] = MicroBatcher(
            _batch_predictor(runtime, metrics), metrics, settings.max_batch_products, thread
        )
        limit = getattr(settings, kind.queue_setting)
        capacity = Capacity(name, limit, kind.queue_setting, settings.retry_after_seconds)
        self.models[name] = LoadedModel(name, runtime, metrics, batcher, capacity, kind)
        log.info("model loaded", extra={"model": name, "version": metadata.version, "dir": str(model_dir)})

    def get(self, name: str) -> LoadedModel | None:
        return self.models.get(name)

    def problem_of(self, name: str) -> str:
        """Why `name` is not served: still loading, failed (and how), or not in the repository."""
        if name in self.failed:
            return self.failed[name]
        if self.problem == "loading":
            return "loading"
        return f"no such model directory under {self.artifact_dir}"
