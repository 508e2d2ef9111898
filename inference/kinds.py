"""The registry of runtime kinds: an artifact's `task` → the runtime that loads it and the input
that warms it up. A new kind of model is its runtime module plus one line in KINDS."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from contract.artifact import ArtifactError, read_metadata
from contract.text import TextProduct
from inference.image_classification import ImageClassificationRuntime
from inference.runtime import ArtifactRuntime
from inference.text_classification import TextClassificationRuntime


@dataclass(frozen=True)
class RuntimeKind:
    task: str  # the artifact metadata's `task`
    runtime: type[ArtifactRuntime[Any]]
    # Items for a first prediction: onnxruntime allocates and optimises on its first run, which
    # would otherwise fall on the first request.
    warm_up_items: Callable[[], Sequence[Any]]


KINDS: dict[str, RuntimeKind] = {
    kind.task: kind
    for kind in (
        RuntimeKind(
            "text-classification",
            TextClassificationRuntime,
            lambda: [TextProduct("Warm-up Floral Dress", "Warm-up request;cotton")],
        ),
        RuntimeKind("image-classification", ImageClassificationRuntime, lambda: [np.zeros((1, 28, 28), np.float32)]),
    )
}


def load_runtime(model_dir: Path, intra_op_threads: int = 1) -> ArtifactRuntime[Any]:
    """The runtime the model directory's metadata asks for, loaded and warmed up."""
    metadata = read_metadata(model_dir)
    kind = KINDS.get(metadata.task)
    if kind is None:
        raise ArtifactError(f"{model_dir}: unknown task {metadata.task!r}; known: {sorted(KINDS)}")
    runtime = kind.runtime(model_dir, intra_op_threads, metadata)
    runtime.predict_items(kind.warm_up_items())
    return runtime
