"""The prototype's scikit-learn pipeline, built from an experiment config."""

from __future__ import annotations

from typing import Any

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline

from training.config import ExperimentConfig

VECTORIZER_STEP = "tfidf_vect"
CLASSIFIER_STEP = "clf"


def stop_words(config: ExperimentConfig) -> list[str]:
    # A sorted list: modern scikit-learn rejects a set, and sorting keeps runs reproducible.
    return sorted(ENGLISH_STOP_WORDS.union(config.features.extra_stop_words))


def build_pipeline(config: ExperimentConfig) -> Pipeline:
    model = config.model
    return Pipeline(
        [
            (VECTORIZER_STEP, TfidfVectorizer(stop_words=stop_words(config))),
            (
                CLASSIFIER_STEP,
                SGDClassifier(
                    loss=model.loss,
                    penalty=model.penalty,
                    alpha=model.alpha,
                    l1_ratio=model.l1_ratio,
                    random_state=config.seed,
                ),
            ),
        ]
    )


def sklearn_value(value: Any) -> Any:
    """TOML and JSON have no tuples; scikit-learn wants `ngram_range` and friends as tuples."""
    return tuple(value) if isinstance(value, list) else value


def param_grid(config: ExperimentConfig) -> dict[str, list[Any]]:
    return {key: [sklearn_value(v) for v in values] for key, values in config.search.grid.items()}
