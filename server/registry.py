"""Every model under the artifact directory, loaded once per worker and warmed up.

Loading runs off the event loop, so liveness answers while models load and readiness
says why it is not ready (still loading, or which model failed and how)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from contract.artifact import ArtifactError, ArtifactMetadata, model_dirs, read_metadata
from contract.text import TextProduct
from server.runtimes.pattern import PatternRuntime

log = logging.getLogger(__name__)


class Runtime(Protocol):
    metadata: ArtifactMetadata

    @property
    def name(self) -> str: ...


def _load_pattern(model_dir: Path, threads: int) -> PatternRuntime:
    runtime = PatternRuntime(model_dir, threads)
    runtime.predict([TextProduct("Warm-up Floral Dress", "Warm-up request;cotton")])
    return runtime


# A new model type is one entry here plus its runtime and codec.
LOADERS: dict[str, Callable[[Path, int], Any]] = {"text-classification": _load_pattern}


class ModelRegistry:
    def __init__(self, artifact_dir: Path, intra_op_threads: int) -> None:
        self.artifact_dir = artifact_dir
        self.intra_op_threads = intra_op_threads
        self.models: dict[str, Any] = {}
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
        loader = LOADERS.get(metadata.task)
        if loader is None:
            raise ArtifactError(f"{model_dir}: unknown task {metadata.task!r}; known: {sorted(LOADERS)}")
        self.models[metadata.name] = loader(model_dir, self.intra_op_threads)
        log.info("model loaded", extra={"model": metadata.name, "version": metadata.version, "dir": str(model_dir)})

    def get(self, name: str) -> Any | None:
        return self.models.get(name)
