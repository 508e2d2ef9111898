"""How one chunk of extracted products becomes predictions, per kind of model: the pattern model
reads title and description; the category model fetches each product's photo (image index 0)
concurrently and records a product whose photo cannot be used as a failure instead."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

import numpy as np

from catalog.photos import FetchSettings, PhotoFailure, PhotoFetcher
from contract.artifact import ArtifactMetadata
from contract.text import TextProduct
from inference.image_classification import ImageClassificationRuntime
from inference.runtime import ArtifactRuntime
from inference.text_classification import TextClassificationRuntime


class ProductRow(NamedTuple):
    """What a scorer reads of a product: a row of the extraction query (both engines make these)."""

    product_id: int
    title: str
    description: str | None
    image_url: str | None


@dataclass(frozen=True)
class Failure:
    product_id: int
    reason: str  # a key of catalog.photos.REASONS
    detail: str
    url: str | None


@dataclass
class ScoredChunk:
    predictions: list[dict[str, Any]] = field(default_factory=list)  # product_prediction rows
    failures: list[Failure] = field(default_factory=list)


class ChunkScorer(Protocol):
    metadata: ArtifactMetadata

    def score(self, rows: Sequence[Any]) -> ScoredChunk: ...

    def close(self) -> None: ...


def prediction_rows(
    metadata: ArtifactMetadata, product_ids: Sequence[int], labels: Sequence[str], probabilities: Iterable[np.ndarray]
) -> list[dict[str, Any]]:
    return [
        {
            "product_id": product_id,
            "model_name": metadata.name,
            "model_version": metadata.version,
            "label": label,
            "probability": float(row.max()),
        }
        for product_id, label, row in zip(product_ids, labels, probabilities, strict=True)
    ]


class TextScorer:
    """Title and description (empty when the product has none) through the text model, one product
    per model call. onnxruntime's matrix product gives a row's probabilities a last-bit difference
    depending on its position in the batch (modulo the kernel's 4-row tile, measured): batched, a
    product's stored probability would depend on its chunk or Spark partition, and the two engines
    would disagree in the 7th decimal. Alone, it is the same everywhere, and equal to the server's
    answer for that product alone. It costs ~60-70 µs per product instead of ~10 in batches of 100
    (`python -m benchmarks.text_models`), a small part of a run that writes every row to the database."""

    def __init__(self, runtime: TextClassificationRuntime) -> None:
        self.runtime = runtime
        self.metadata = runtime.metadata

    def score(self, rows: Sequence[Any]) -> ScoredChunk:
        alone = [self.runtime.predict([TextProduct(row.title, row.description or "")]) for row in rows]
        labels = [prediction.labels[0] for prediction in alone]
        probabilities = [prediction.probabilities[0] for prediction in alone]
        return ScoredChunk(prediction_rows(self.metadata, [row.product_id for row in rows], labels, probabilities))

    def close(self) -> None:
        pass


class PhotoScorer:
    """Each product's photo fetched on a pool of threads sized for network latency, and decoded on
    a pool sized for the CPU (Pillow releases the GIL, the rest of decoding does not: more decoding
    threads than cores only contend), then one model call for the chunk's usable photos."""

    def __init__(self, runtime: ImageClassificationRuntime, settings: FetchSettings) -> None:
        self.runtime = runtime
        self.metadata = runtime.metadata
        self.fetcher = PhotoFetcher(settings)
        self.fetching = ThreadPoolExecutor(settings.workers, thread_name_prefix="fetch")
        self.decoding = ThreadPoolExecutor(min(settings.workers, os.cpu_count() or 1), thread_name_prefix="decode")

    def score(self, rows: Sequence[Any]) -> ScoredChunk:
        chunk = ScoredChunk()
        inputs: list[np.ndarray] = []
        scored: list[int] = []
        fetched = self.fetching.map(_or_failure(self.fetcher.fetch), [row.image_url for row in rows])
        decoded = self.decoding.map(_or_failure(self._decode), fetched)
        for row, made in zip(rows, decoded, strict=True):
            if isinstance(made, PhotoFailure):
                chunk.failures.append(Failure(row.product_id, made.reason, made.detail, row.image_url))
            else:
                inputs.append(made)
                scored.append(row.product_id)
        if inputs:
            predictions = self.runtime.predict(np.stack(inputs)[:, None])
            chunk.predictions = prediction_rows(self.metadata, scored, predictions.labels, predictions.probabilities)
        return chunk

    def _decode(self, fetched: bytes | PhotoFailure) -> np.ndarray:
        if isinstance(fetched, PhotoFailure):
            raise fetched
        return self.fetcher.decode(fetched)

    def close(self) -> None:
        self.fetching.shutdown(cancel_futures=True)
        self.decoding.shutdown(cancel_futures=True)
        self.fetcher.close()


def _or_failure(function: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The function's result, or the PhotoFailure it raised (a pool's map stops at the first error)."""

    def call(argument: Any) -> Any:
        try:
            return function(argument)
        except PhotoFailure as failure:
            return failure

    return call


def scorer_for(runtime: ArtifactRuntime[Any], settings: FetchSettings) -> ChunkScorer:
    if isinstance(runtime, TextClassificationRuntime):
        return TextScorer(runtime)
    if isinstance(runtime, ImageClassificationRuntime):
        return PhotoScorer(runtime, settings)
    raise TypeError(f"no catalogue scorer for {type(runtime).__name__} (task {runtime.metadata.task})")
