"""`catalog score`: run an exported model in-process over every product it has not scored yet.

Products are streamed in chunks with a server-side cursor on one connection; each chunk's
predictions and failures are written and committed together on another. A run killed half-way
has committed whole chunks only, and the next run selects just the products still unscored for
this model version, so every product ends up scored exactly once per version. A product the
model could not score (its photo missing, too large or corrupt) gets no prediction but a
`scoring_failure` row with the reason; the next run tries it again, until it has failed
`max_attempts` times."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, text
from tqdm import tqdm

from catalog.queries import EXTRACT_SQL, stream
from catalog.schema import product_prediction, scoring_failure
from catalog.scorers import ChunkScorer, ScoredChunk
from catalog.upsert import upsert
from contract.artifact import ArtifactMetadata

# Without an order: the Spark engine reads it in product_id ranges.
UNSCORED_SQL = f"""
SELECT e.product_id, e.title, e.description, e.image_url
FROM ({EXTRACT_SQL}
) AS e
WHERE NOT EXISTS (
    SELECT 1 FROM product_prediction AS pp
    WHERE pp.product_id = e.product_id
      AND pp.model_name = :model_name
      AND pp.model_version = :model_version
)
AND NOT EXISTS (
    SELECT 1 FROM scoring_failure AS f
    WHERE f.product_id = e.product_id
      AND f.model_name = :model_name
      AND f.model_version = :model_version
      AND f.attempts >= :max_attempts
)
"""
UNSCORED = text(UNSCORED_SQL + "ORDER BY e.product_id")
COUNT_UNSCORED = text(f"SELECT COUNT(*) FROM ({UNSCORED_SQL}) AS u")
COUNT_GIVEN_UP = text(
    "SELECT COUNT(*) FROM scoring_failure AS f WHERE f.model_name = :model_name "
    "AND f.model_version = :model_version AND f.attempts >= :max_attempts"
)


@dataclass(frozen=True)
class ScoreReport:
    model_name: str
    model_version: str
    scored: int
    seconds: float
    failed: Counter[str] = field(default_factory=Counter)  # reason → products that failed in this run
    given_up: int = 0  # products not tried: they failed max_attempts times already

    @property
    def products_per_second(self) -> float:
        return (self.scored + self.failed.total()) / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class ScoreOptions:
    country_code: str = "us"
    chunk_size: int = 500
    pause_seconds: float = 0.0
    progress: bool = True
    max_attempts: int = 3


def selection(metadata: ArtifactMetadata, options: ScoreOptions) -> dict[str, Any]:
    """The parameters of UNSCORED for this model version."""
    return {
        "country_code": options.country_code.lower(),
        "model_name": metadata.name,
        "model_version": metadata.version,
        "max_attempts": options.max_attempts,
    }


def pending(engine: Engine, params: dict[str, Any]) -> tuple[int, int]:
    """Products to score, and products left alone after max_attempts failures."""
    with engine.connect() as counter:
        return (
            counter.execute(COUNT_UNSCORED, params).scalar_one(),
            counter.execute(COUNT_GIVEN_UP, params).scalar_one(),
        )


def score_catalog(engine: Engine, scorer: ChunkScorer, options: ScoreOptions) -> ScoreReport:
    meta = scorer.metadata
    params = selection(meta, options)
    total, given_up = pending(engine, params)
    started = time.perf_counter()
    scored = 0
    failed: Counter[str] = Counter()
    with engine.connect() as reader, tqdm(total=total, unit="product", disable=not options.progress) as bar:
        for rows in stream(reader, UNSCORED, params, options.chunk_size).partitions(options.chunk_size):
            chunk = scorer.score(rows)
            with engine.begin() as writer:  # one commit per chunk: the unit a restart resumes from
                write_chunk(writer, (meta.name, meta.version), chunk)
            scored += len(chunk.predictions)
            failed.update(failure.reason for failure in chunk.failures)
            bar.update(len(rows))
            bar.set_postfix(failed=failed.total(), refresh=False)
            if options.pause_seconds:
                time.sleep(options.pause_seconds)  # throttle: spare the database during business hours
    return ScoreReport(meta.name, meta.version, scored, time.perf_counter() - started, failed, given_up)


def write_chunk(writer: Connection, model: tuple[str, str], chunk: ScoredChunk) -> None:
    """Predictions upserted and their products' earlier failures deleted; failures recorded, with
    one more attempt counted for a product that had failed before."""
    name, version = model
    of_model = (scoring_failure.c.model_name == name, scoring_failure.c.model_version == version)
    upsert(writer, product_prediction, chunk.predictions, also_set={"scored_at": func.now()})
    if chunk.predictions:
        scored = [row["product_id"] for row in chunk.predictions]
        writer.execute(scoring_failure.delete().where(*of_model, scoring_failure.c.product_id.in_(scored)))
    failures = [
        {
            "product_id": failure.product_id,
            "model_name": name,
            "model_version": version,
            "reason": failure.reason,
            "detail": failure.detail[:2000],
            "url": failure.url,
            "attempts": 1,
        }
        for failure in chunk.failures
    ]
    upsert(
        writer,
        scoring_failure,
        failures,
        also_set={"attempts": scoring_failure.c.attempts + 1, "failed_at": func.now()},
    )
