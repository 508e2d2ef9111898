"""`catalog score`: run the exported pattern model in-process over every unscored product.

Products are streamed in chunks with a server-side cursor on one connection; each chunk's
predictions are upserted and committed on another. A run killed half-way has committed
whole chunks only, and the next run selects just the products still unscored for this
model version, so every product ends up scored exactly once per version."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row, func, text
from tqdm import tqdm

from catalog.queries import EXTRACT_SQL, stream
from catalog.schema import product_prediction
from catalog.upsert import upsert
from contract.text import TextProduct
from inference.text_classification import TextClassificationRuntime

_UNSCORED = f"""
SELECT e.product_id, e.title, e.description
FROM ({EXTRACT_SQL}
) AS e
WHERE NOT EXISTS (
    SELECT 1 FROM product_prediction AS pp
    WHERE pp.product_id = e.product_id
      AND pp.model_name = :model_name
      AND pp.model_version = :model_version
)
"""
UNSCORED = text(_UNSCORED + "ORDER BY e.product_id")
COUNT_UNSCORED = text(f"SELECT COUNT(*) FROM ({_UNSCORED}) AS u")


@dataclass(frozen=True)
class ScoreReport:
    model_name: str
    model_version: str
    scored: int
    seconds: float

    @property
    def products_per_second(self) -> float:
        return self.scored / self.seconds if self.seconds > 0 else 0.0


def score_catalog(
    engine: Engine,
    runtime: TextClassificationRuntime,
    country_code: str = "us",
    chunk_size: int = 500,
    pause_seconds: float = 0.0,
    progress: bool = True,
) -> ScoreReport:
    meta = runtime.metadata
    params = {"country_code": country_code.lower(), "model_name": meta.name, "model_version": meta.version}
    with engine.connect() as counter:
        total = counter.execute(COUNT_UNSCORED, params).scalar_one()
    started = time.perf_counter()
    scored = 0
    with engine.connect() as reader, tqdm(total=total, unit="product", disable=not progress) as bar:
        for chunk in stream(reader, UNSCORED, params, chunk_size).partitions(chunk_size):
            _score_chunk(engine, runtime, chunk)
            scored += len(chunk)
            bar.update(len(chunk))
            if pause_seconds:
                time.sleep(pause_seconds)  # throttle: spare the database during business hours
    return ScoreReport(meta.name, meta.version, scored, time.perf_counter() - started)


def _score_chunk(engine: Engine, runtime: TextClassificationRuntime, chunk: Sequence[Row[Any]]) -> None:
    products = [TextProduct(row.title, row.description or "") for row in chunk]
    predictions = runtime.predict(products)
    meta = runtime.metadata
    rows = [
        {
            "product_id": row.product_id,
            "model_name": meta.name,
            "model_version": meta.version,
            "label": label,
            "probability": float(probabilities.max()),
        }
        for row, label, probabilities in zip(chunk, predictions.labels, predictions.probabilities, strict=True)
    ]
    with engine.begin() as writer:  # one commit per chunk: the unit a restart resumes from
        upsert(writer, product_prediction, rows, also_set={"scored_at": func.now()})
