"""Typed configuration of a pattern experiment (training/configs/pattern.toml).

Types, unknown names and ranges are refused by msgspec when the config is loaded; values that
depend on each other in `__post_init__`; the grid against scikit-learn in
`training.pattern.pipeline.check_grid`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from training.fields import FieldError, Name, Seed

NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
Folds = Annotated[int, msgspec.Meta(ge=2)]


class DataConfig(msgspec.Struct, forbid_unknown_fields=True):
    train_file: NonEmpty  # relative to DATA_DIR
    test_file: NonEmpty
    label_column: NonEmpty
    id_column: NonEmpty
    labels: Annotated[list[NonEmpty], msgspec.Meta(min_length=2)]


NgramRange = tuple[Annotated[int, msgspec.Meta(ge=1)], Annotated[int, msgspec.Meta(ge=1)]]


class FeatureConfig(msgspec.Struct, forbid_unknown_fields=True):
    extra_stop_words: list[str]
    # Set, and contract.text builds every term itself for training and serving alike: the text's
    # words plus the name's word n-grams, each counted name_weight times. Unset: the prototype's
    # vectorizer analyzer.
    name_ngrams: NgramRange | None = None
    name_weight: Annotated[int, msgspec.Meta(ge=1, le=10)] = 1

    def __post_init__(self) -> None:
        pair = self.name_ngrams
        if pair is not None and pair[0] > pair[1]:
            raise FieldError(
                f"features.name_ngrams={list(pair)}: write [min_n, max_n] with min_n <= max_n", "features.name_ngrams"
            )
        if pair is None and self.name_weight != 1:
            raise FieldError(
                f"features.name_weight={self.name_weight} weighs name terms, which only features.name_ngrams "
                "builds: set features.name_ngrams (e.g. [1, 2]) or leave name_weight at 1",
                "features.name_weight",
                "features.name_ngrams",
            )

    @property
    def builds_terms(self) -> bool:
        return self.name_ngrams is not None


class ModelConfig(msgspec.Struct, forbid_unknown_fields=True):
    # scikit-learn's SGDClassifier accepts these and nothing else.
    loss: Literal[
        "hinge",
        "log_loss",
        "modified_huber",
        "squared_hinge",
        "perceptron",
        "squared_error",
        "huber",
        "epsilon_insensitive",
        "squared_epsilon_insensitive",
    ]
    penalty: Literal["l2", "l1", "elasticnet"]
    alpha: Annotated[float, msgspec.Meta(gt=0.0)]  # 0 fails with the default learning rate ("optimal")
    l1_ratio: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 0.15
    # "balanced": each class weighs n_samples / (n_classes * its count), so rare patterns count as much.
    class_weight: Literal["balanced"] | None = None


class SearchConfig(msgspec.Struct, forbid_unknown_fields=True):
    n_splits: Folds
    n_jobs: int  # joblib: -1 every core, -2 all but one, ...; 0 means nothing
    verbose: Annotated[int, msgspec.Meta(ge=0)]
    grid: dict[NonEmpty, Annotated[list[Any], msgspec.Meta(min_length=1)]]
    scoring: Literal["accuracy", "f1_macro"] = "accuracy"  # what the grid search maximises (the prototype: accuracy)

    def __post_init__(self) -> None:
        if self.n_jobs == 0:
            raise FieldError(
                "search.n_jobs=0 means no worker: use a positive number of processes, or -1 for one per core",
                "search.n_jobs",
            )


class EvaluationConfig(msgspec.Struct, forbid_unknown_fields=True):
    cv_folds: Folds
    holdout_fraction: Annotated[float, msgspec.Meta(gt=0.0, lt=1.0)]
    top_tokens: Annotated[int, msgspec.Meta(ge=0)]


class PatternConfig(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    task: Literal["pattern"]  # the model's name (see training.config)
    seed: Seed
    data: DataConfig
    features: FeatureConfig
    model: ModelConfig
    search: SearchConfig
    evaluation: EvaluationConfig
    serve_as: Name | None = None  # `make export` writes artifacts/<serve_as>/ (default: pattern, the champion)

    def __post_init__(self) -> None:
        repeated = sorted({label for label in self.data.labels if self.data.labels.count(label) > 1})
        if repeated:
            raise FieldError(f"data.labels lists {repeated} more than once: list each label once", "data.labels")
