"""The model repository of this worker: every model directory under the artifact directory is
served, under the directory's name (Triton's and MLServer's model repository). Each is loaded once,
warmed up, and given its micro-batcher, queue bound and metrics; its artifact's `task` says which
runtime (inference/kinds.py) and which serving kind (server/kinds/) it gets.

Loading runs off the event loop (server/lifespan.py), so liveness answers while models load. A
directory that fails to load is reported (readiness, /models, the log) without hiding the others,
which serve; the worker is ready once every directory has loaded (Triton's strict readiness).

Shadows (SERVE_SHADOW_MODELS, server/shadow.py) are attached once every directory has loaded. A
pair that cannot work (a model missing, kinds or labels that differ) is a mistake of the
deployment: it is logged and keeps the worker unready, naming the pair, while every model serves
without that shadow; a rollout carrying the mistake stops there instead of going live unshadowed."""

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
from server.shadow import Mirror, MirroredBatcher, pair_problem

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
        self.shadow_pairs = settings.shadow_pairs  # model name → its shadow's name
        self.mirrors: dict[str, Mirror] = {}  # model name → its attached shadow
        self.shadow_problems: dict[str, str] = {}  # model name → why its shadow is not attached
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
        self._attach_shadows()
        problems = [f"model {name!r}: {problem}" for name, problem in sorted(self.failed.items())]
        problems += [
            f"shadow {self.shadow_pairs[name]!r} of model {name!r}: {problem}"
            for name, problem in sorted(self.shadow_problems.items())
        ]
        if not dirs:
            self.problem = f"ArtifactError: no model directories (*/metadata.json) under {self.artifact_dir}"
        elif problems:
            self.problem = "; ".join(problems)
        else:
            self.ready, self.problem = True, None
        log.log(
            logging.INFO if self.ready else logging.ERROR,
            "models ready" if self.ready else "models not ready",
            extra={
                "models": sorted(self.models),
                "failed": sorted(self.failed),
                "shadows": {name: self.shadow_pairs[name] for name in sorted(self.mirrors)},
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
        # Only a model with a shadow pays for mirroring; the others keep the plain batcher.
        batcher_type = MirroredBatcher if name in self.shadow_pairs else MicroBatcher
        batcher: MicroBatcher[Any, Predictions] = batcher_type(
            _batch_predictor(runtime, metrics), metrics, settings.max_batch_products, thread
        )
        limit = getattr(settings, kind.queue_setting)
        capacity = Capacity(name, limit, kind.queue_setting, settings.retry_after_seconds)
        self.models[name] = LoadedModel(name, runtime, metrics, batcher, capacity, kind)
        log.info("model loaded", extra={"model": name, "version": metadata.version, "dir": str(model_dir)})

    def _attach_shadows(self) -> None:
        for name, shadow_name in self.shadow_pairs.items():
            problem = self._pair_problem(name, shadow_name)
            if problem is not None:
                self.shadow_problems[name] = problem
                log.error("shadow not attached", extra={"model": name, "shadow": shadow_name, "error": problem})
                continue
            batcher = self.models[name].batcher
            assert isinstance(batcher, MirroredBatcher)  # _load chose it for every model with a shadow
            shadow = self.models[shadow_name]
            limit = self.settings.max_shadow_items
            batcher.mirror = self.mirrors[name] = Mirror(
                name, shadow_name, shadow.metadata.labels, shadow.batcher.predict, limit
            )
            log.info("shadow attached", extra={"model": name, "shadow": shadow_name})

    def _pair_problem(self, name: str, shadow_name: str) -> str | None:
        missing = [n for n in (name, shadow_name) if n not in self.models]
        if missing and missing[0] in self.failed:
            return f"model {missing[0]!r} did not load"
        if missing:
            return f"no model directory {missing[0]!r} under {self.artifact_dir}"
        return pair_problem(self.models[name], self.models[shadow_name])

    def close(self) -> None:
        """The worker is exiting: pending shadow work is cancelled (server/shadow.py)."""
        for mirror in self.mirrors.values():
            mirror.close()

    def get(self, name: str) -> LoadedModel | None:
        return self.models.get(name)

    def problem_of(self, name: str) -> str:
        """Why `name` is not served: still loading, failed (and how), or not in the repository."""
        if name in self.failed:
            return self.failed[name]
        if self.problem == "loading":
            return "loading"
        return f"no such model directory under {self.artifact_dir}"
