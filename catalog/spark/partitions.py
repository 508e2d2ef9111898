"""What runs on the executors. Each Python worker process loads the model once (one onnxruntime
session per process, kept while Spark reuses the worker) and a database engine once; every Arrow
batch of `chunk_size` products is scored by the same scorer as the local engine and its
predictions and failures committed together, as one chunk of the local engine. A killed job
leaves whole batches only, and the next run selects what is still unscored. The driver gets
per-outcome counts back."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from catalog.connection import make_engine
from catalog.photos import FetchSettings
from catalog.scorers import ChunkScorer, ProductRow, scorer_for
from catalog.scoring import write_chunk
from inference.kinds import load_runtime

OUTCOMES = "outcome string, products long"  # the schema of what each batch yields
SCORED = "scored"  # the outcome of a prediction; a failure's outcome is its reason


@dataclass(frozen=True)
class PartitionJob:
    model_file: str  # the model directory's name, as added with SparkContext.addFile
    database_url: str
    fetch: FetchSettings


# PySpark 4.3 warns on any pandas 3 (mapInPandas and Arrow batches work, tested against the local
# engine). Set on import: in the driver (catalog/spark/job.py imports this) and on the executors.
PANDAS_WARNING = "PySpark does not yet fully support pandas"
warnings.filterwarnings("ignore", message=PANDAS_WARNING, category=FutureWarning)

_scorers: dict[PartitionJob, ChunkScorer] = {}
_engines: dict[str, Engine] = {}


def _scorer(job: PartitionJob) -> ChunkScorer:
    if job not in _scorers:
        from pyspark import SparkFiles  # on the executor: where addFile put the model

        _scorers[job] = scorer_for(load_runtime(Path(SparkFiles.get(job.model_file))), job.fetch)
    return _scorers[job]


def _engine(database_url: str) -> Engine:
    if database_url not in _engines:
        _engines[database_url] = make_engine(database_url)
    return _engines[database_url]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None  # pandas writes a missing string as NaN or None


def product_rows(batch: pd.DataFrame) -> list[ProductRow]:
    columns = (batch["product_id"], batch["title"], batch["description"], batch["image_url"])
    return [
        ProductRow(int(product_id), str(title), _text(description), _text(url))
        for product_id, title, description, url in zip(*columns, strict=True)
    ]


def score_batches(job: PartitionJob) -> Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]:
    """The function mapInPandas runs over each partition's batches."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        scorer = _scorer(job)
        engine = _engine(job.database_url)
        model = (scorer.metadata.name, scorer.metadata.version)
        for batch in batches:
            chunk = scorer.score(product_rows(batch))
            with engine.begin() as writer:  # one commit per batch: the unit a restart resumes from
                write_chunk(writer, model, chunk)
            counts = Counter(failure.reason for failure in chunk.failures)
            counts[SCORED] = len(chunk.predictions)
            yield pd.DataFrame({"outcome": list(counts), "products": list(counts.values())})

    return run
