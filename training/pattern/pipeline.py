"""The prototype's scikit-learn pipeline, built from an experiment config."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Any

import msgspec
from sklearn.base import clone
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline

from contract.text import SKLEARN_TOKEN_PATTERN, TextProduct, TextTerms, TokenizerSpec, product_text
from training.fields import FieldError, override_parts
from training.pattern.config import ModelConfig, PatternConfig

VECTORIZER_STEP = "tfidf_vect"
# What a vectorizer with a callable analyzer ignores: the terms come from contract.text.
_TERM_PARAMETERS = {"analyzer", "ngram_range", "token_pattern", "lowercase", "stop_words", "preprocessor", "tokenizer"}
CLASSIFIER_STEP = "clf"


def stop_words(config: PatternConfig) -> list[str]:
    # A sorted list: modern scikit-learn rejects a set, and sorting keeps runs reproducible.
    return sorted(ENGLISH_STOP_WORDS.union(config.features.extra_stop_words))


def build_pipeline(config: PatternConfig) -> Pipeline:
    model = config.model
    return Pipeline(
        [
            (VECTORIZER_STEP, _vectorizer(config)),
            (
                CLASSIFIER_STEP,
                SGDClassifier(
                    loss=model.loss,
                    penalty=model.penalty,
                    alpha=model.alpha,
                    l1_ratio=model.l1_ratio,
                    class_weight=model.class_weight,
                    random_state=config.seed,
                ),
            ),
        ]
    )


def _vectorizer(config: PatternConfig) -> TfidfVectorizer:
    features = config.features
    if not features.builds_terms:  # the prototype's vectorizer (its defaults are scikit-learn's)
        return TfidfVectorizer(stop_words=stop_words(config))
    spec = TokenizerSpec(
        token_pattern=SKLEARN_TOKEN_PATTERN,
        lowercase=True,
        stop_words=stop_words(config),
        name_ngram_range=features.name_ngrams,
        name_weight=features.name_weight,
    )
    return TfidfVectorizer(analyzer=TextTerms(spec))


def model_inputs(pipeline: Pipeline, products: Sequence[TextProduct]) -> list[Any]:
    """What `pipeline` is fit on and predicts from: the products themselves when contract.text
    builds its terms (it reads the name apart), else the prototype's product text."""
    if isinstance(pipeline[VECTORIZER_STEP].analyzer, TextTerms):
        return list(products)
    return [product_text(p.name, p.description) for p in products]


def sklearn_value(value: Any) -> Any:
    """TOML and JSON have no tuples; scikit-learn wants `ngram_range` and friends as tuples."""
    return tuple(value) if isinstance(value, list) else value


def param_grid(config: PatternConfig) -> dict[str, list[Any]]:
    return {key: [sklearn_value(v) for v in values] for key, values in config.search.grid.items()}


def check_grid(config: PatternConfig) -> None:
    """Refuse, before any fit, a grid key that is not a parameter of the pipeline and a value
    its step would reject: the `[model]` constraints for the classifier's fields in it, scikit-learn's
    own parameter constraints for the rest. Raises FieldError naming `search.grid.<key>`."""
    pipeline = build_pipeline(config)
    params = pipeline.get_params(deep=True)
    model_fields = typing.get_type_hints(ModelConfig, include_extras=True)
    for key, values in config.search.grid.items():
        field = f"search.grid.{key}"
        step, _, name = key.partition("__")
        if config.features.builds_terms and step == VECTORIZER_STEP and name in _TERM_PARAMETERS:
            raise FieldError(
                f"{field}: the vectorizer counts the terms contract.text builds (features.name_ngrams is set), "
                f"so {name} would change nothing: search something else, or leave features.name_ngrams unset",
                field,
            )
        if step not in pipeline.named_steps or key not in params:
            raise FieldError(
                f"{field}: not a parameter of the pipeline: write {VECTORIZER_STEP}__<TfidfVectorizer parameter> "
                f"or {CLASSIFIER_STEP}__<SGDClassifier parameter>, e.g. {CLASSIFIER_STEP}__alpha or "
                f"{VECTORIZER_STEP}__max_df",
                field,
            )
        for value in values:
            problem = _value_problem(pipeline, step, name, value, model_fields)
            if problem:
                raise FieldError(f"{field}: the value {value!r} cannot work: {problem}", field)


def _value_problem(pipeline: Pipeline, step: str, name: str, value: Any, model_fields: dict[str, Any]) -> str | None:
    if step == CLASSIFIER_STEP and name in model_fields:
        try:
            msgspec.convert(value, model_fields[name])
        except msgspec.ValidationError as exc:
            return f"{exc} (as model.{name})"
        return None
    value = sklearn_value(value)
    if name == "ngram_range" and not (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
        and 1 <= value[0] <= value[1]
    ):
        return "ngram_range must be [min_n, max_n] with 1 <= min_n <= max_n, e.g. [1, 2]"
    estimator = clone(pipeline.named_steps[step]).set_params(**{name: value})
    try:
        estimator._validate_params()  # scikit-learn's own check of every constructor parameter
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


# The config section whose values a grid key of each step replaces when the grid searches it.
_SECTION_OF_STEP = {CLASSIFIER_STEP: ("model", ModelConfig)}


def check_grid_overrides(config: PatternConfig, overrides: list[str]) -> None:
    """Refuse a `--set` of a value the grid search replaces: the best grid value wins, so the
    override would change nothing while the run's name says it did."""
    searched: dict[str, str] = {}
    for key in config.search.grid:
        step, _, name = key.partition("__")
        section = _SECTION_OF_STEP.get(step)
        if section is not None and name in section[1].__struct_fields__:
            searched[f"{section[0]}.{name}"] = key
    for override in overrides:
        field, value = override_parts(override)
        grid_key = searched.get(field)
        if grid_key is not None:
            raise FieldError(
                f"{field} changes nothing: the grid searches {grid_key} (search.grid.{grid_key}) and its best value "
                f"replaces {field}; override the grid instead, e.g. --set search.grid.{grid_key}=[{value}]",
                field,
            )
