from __future__ import annotations

from pathlib import Path

import pytest

from training.category.config import CategoryConfig
from training.config import DEFAULT_CONFIG, ConfigError, load_config
from training.pipeline import build_pipeline, param_grid


def test_default_config_is_the_prototype_procedure() -> None:
    config = load_config(DEFAULT_CONFIG)
    assert config.search.n_splits == 8 and config.evaluation.cv_folds == 16
    assert param_grid(config)["tfidf_vect__ngram_range"] == [(1, 1), (1, 2)]
    pipeline = build_pipeline(config)
    assert [name for name, _ in pipeline.steps] == ["tfidf_vect", "clf"]
    assert {"dress", "cm", "the"} <= set(pipeline[0].stop_words)
    assert pipeline[1].random_state == 42 and pipeline[1].loss == "modified_huber"


def test_overrides_take_toml_values_and_nested_keys() -> None:
    config = load_config(DEFAULT_CONFIG, ["model.alpha=0.01", "name=my-exp", 'search.grid={"clf__alpha"=[1.0]}'])
    assert config.model.alpha == 0.01 and config.name == "my-exp"
    assert config.search.grid == {"clf__alpha": [1.0]}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.alpha", "not of the form"),
        ("model.alpha='x'", "Expected `float`, got `str` - at `$.model.alpha`"),
        ("nosuch.key=1", "unknown field `nosuch`"),
        ("model.alpha.x=1", "'alpha' is not a config section"),
        ("model.colour=1", "unknown field `colour`"),
        ("evaluation.holdout_fraction=1.5", "holdout_fraction must be in (0, 1)"),
        ("search.n_splits=1", "at least 2"),
    ],
)
def test_bad_overrides_name_what_is_wrong(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=None) as info:
        load_config(DEFAULT_CONFIG, [override])
    assert message in str(info.value)


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(bad)
    partial = tmp_path / "partial.toml"
    partial.write_text('name = "x"\ntask = "pattern"\nseed = 1\n')
    with pytest.raises(ConfigError, match="missing required field"):
        load_config(partial)


CATEGORY = DEFAULT_CONFIG.parent / "category-cnn-classes.toml"


def test_category_config_loads_by_task_and_overrides_default_sections() -> None:
    config = load_config(CATEGORY, ["data.train_limit=500", "train.augment=false"])
    assert isinstance(config, CategoryConfig)
    assert config.data.train_limit == 500 and config.train.augment is False  # [data] is absent from the file
    assert config.model.targets == "classes" and config.data.validation_fraction == 0.1


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("task=shoes", "task must be one of ['category', 'pattern'], got 'shoes'"),
        ("model.targets=3", "Expected `str`"),
        ("train.imbalance=oversample", "Invalid enum value 'oversample' - at `$.train.imbalance`"),
        ("data.validation_fraction=1.0", "Expected `float` < 1.0"),
        ("model.targets=groups", "group_loss_weight needs model.targets"),
    ],
)
def test_bad_category_configs_name_what_is_wrong(override: str, message: str) -> None:
    overrides = [override, "train.group_loss_weight=1.0"] if "group_loss" in message else [override]
    with pytest.raises(ConfigError) as info:
        load_config(CATEGORY, overrides)
    assert message in str(info.value)
