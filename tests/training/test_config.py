from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training.category.config import CategoryConfig
from training.category.data import _subset, stratified_indices
from training.category.idx import Split
from training.config import DEFAULT_CONFIG, ConfigError, load_config
from training.pattern.pipeline import build_pipeline, param_grid


def test_default_config_is_the_prototype_procedure() -> None:
    config = load_config(DEFAULT_CONFIG)
    assert config.search.n_splits == 8 and config.evaluation.cv_folds == 16
    assert param_grid(config)["tfidf_vect__ngram_range"] == [(1, 1), (1, 2)]
    pipeline = build_pipeline(config)
    assert [name for name, _ in pipeline.steps] == ["tfidf_vect", "clf"]
    assert {"dress", "cm", "the"} <= set(pipeline[0].stop_words)
    assert pipeline[1].random_state == 42 and pipeline[1].loss == "modified_huber"


def test_overrides_take_toml_values_and_nested_keys() -> None:
    # model.l1_ratio is no longer searched once the grid is replaced, so overriding it changes the model.
    config = load_config(DEFAULT_CONFIG, ["model.l1_ratio=0.3", "name=my-exp", 'search.grid={"clf__alpha"=[1.0]}'])
    assert config.model.l1_ratio == 0.3 and config.name == "my-exp"
    assert config.search.grid == {"clf__alpha": [1.0]}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.alpha", "not of the form key.path=value"),
        ("model.alpha='x'", "Expected `float`, got `str` - at `$.model.alpha`"),
        ("nosuch.key=1", "unknown field `nosuch` (known here: name, task, seed, data, features, model,"),
        ("model.alpha.x=1", "'alpha' is not a config section"),
        (
            "model.colour=1",
            "unknown field `colour` - at `$.model` (known here: loss, penalty, alpha, l1_ratio, class_weight)",
        ),
        ("model.loss=hinge2", "Invalid enum value 'hinge2' - at `$.model.loss` (one of: 'hinge', 'log_loss',"),
        # Every numeric field with an impossible range is refused at load time, the field named.
        ("model.alpha=-1", "Expected `float` > 0.0 - at `$.model.alpha`"),
        ("model.alpha=0", "Expected `float` > 0.0 - at `$.model.alpha`"),
        ("model.l1_ratio=1.5", "Expected `float` <= 1.0 - at `$.model.l1_ratio`"),
        ("model.penalty=none", "Invalid enum value 'none' - at `$.model.penalty`"),
        ("evaluation.holdout_fraction=1.5", "Expected `float` < 1.0 - at `$.evaluation.holdout_fraction`"),
        ("evaluation.holdout_fraction=0", "Expected `float` > 0.0 - at `$.evaluation.holdout_fraction`"),
        ("evaluation.cv_folds=1", "Expected `int` >= 2 - at `$.evaluation.cv_folds`"),
        ("evaluation.top_tokens=-1", "Expected `int` >= 0 - at `$.evaluation.top_tokens`"),
        ("search.n_splits=1", "Expected `int` >= 2 - at `$.search.n_splits`"),
        ("search.n_jobs=0", "search.n_jobs=0 means no worker"),
        ("search.verbose=-1", "Expected `int` >= 0 - at `$.search.verbose`"),
        ("seed=-1", "Expected `int` >= 0 - at `$.seed`"),
        ("seed=4294967296", "Expected `int` <= 4294967295 - at `$.seed`"),
        ("name=a/b", "at `$.name`"),
        ('data.labels=["Floral"]', "Expected `array` of length >= 2 - at `$.data.labels`"),
        ('data.labels=["Floral", "Floral"]', "data.labels lists ['Floral'] more than once"),
        ("data.train_file=''", "Expected `str` of length >= 1 - at `$.data.train_file`"),
        # The grid is checked against the pipeline before any fit.
        ('search.grid={"clf__alpha"=[1e-4, -1.0]}', "search.grid.clf__alpha: the value -1.0 cannot work: Expected"),
        ("search.grid.clf__l1_ratio=[2.0]", "search.grid.clf__l1_ratio: the value 2.0 cannot work"),
        ('search.grid={"tfidf_vect__max_df"=[1.5]}', "The 'max_df' parameter of TfidfVectorizer must be a float"),
        ('search.grid={"tfidf_vect__ngram_range"=[[2, 1]]}', "ngram_range must be [min_n, max_n]"),
        ('search.grid={"clf__colour"=[1]}', "search.grid.clf__colour: not a parameter of the pipeline"),
        ('search.grid={"alpha"=[1.0]}', "search.grid.alpha: not a parameter of the pipeline"),
        ('search.grid={"clf__alpha"=[]}', "Expected `array` of length >= 1"),
    ],
)
def test_bad_overrides_name_the_override_and_what_is_wrong(override: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(DEFAULT_CONFIG, [override])
    text = str(info.value)
    assert message in text
    assert text.startswith(f"--set {override}: ") and str(DEFAULT_CONFIG) not in text  # the override, not the file
    assert "\n" not in text


def test_a_mistake_in_the_file_names_the_file_even_with_other_overrides(tmp_path: Path) -> None:
    config = tmp_path / "mine.toml"
    config.write_text(DEFAULT_CONFIG.read_text().replace("alpha = 1e-3", "alpha = -1e-3"))
    with pytest.raises(ConfigError) as info:
        load_config(config, ["name=mine", "search.n_splits=3"])
    assert str(info.value) == f"{config}: Expected `float` > 0.0 - at `$.model.alpha`"


def test_the_last_override_of_a_field_is_blamed() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(DEFAULT_CONFIG, ["model.alpha=-1", "name=x", "model.alpha=-2"])
    assert str(info.value).startswith("--set model.alpha=-2: ")


def test_missing_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found: .*absent.toml: pass --config a TOML file"):
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
        ("train.imbalance=oversample", "Invalid enum value 'oversample' - at `$.train.imbalance` (one of: 'none',"),
        ("data.validation_fraction=1.0", "Expected `float` < 1.0"),
        ("data.validation_fraction=0.00001", "data.validation_fraction=1e-05 leaves a class of 6000 training images"),
        ("data.train_limit=5", "data.train_limit=5 is too small for a stratified split of the 10 classes"),
        ("data.train_limit=54", "use 0 (all 60000 images) or at least 55"),
        ("data.train_limit=-1", "Expected `int` >= 0 - at `$.data.train_limit`"),
        ("data.test_limit=5", "data.test_limit=5 is too small for a stratified subset of the 10 classes"),
        ("data.split_seed=-1", "Expected `int` >= 0 - at `$.data.split_seed`"),
        ("model.width=0", "Expected `int` >= 1 - at `$.model.width`"),
        ("train.epochs=0", "Expected `int` >= 1 - at `$.train.epochs`"),
        ("train.learning_rate=0", "Expected `float` > 0.0 - at `$.train.learning_rate`"),
        ("train.weight_decay=-0.1", "Expected `float` >= 0.0 - at `$.train.weight_decay`"),
        ("train.max_minutes=0", "Expected `float` > 0.0 - at `$.train.max_minutes`"),
        ("train.label_smoothing=1", "Expected `float` < 1.0 - at `$.train.label_smoothing`"),
        ("train.ema_decay=1", "Expected `float` < 1.0 - at `$.train.ema_decay`"),
        ("train.random_erasing=1.5", "Expected `float` <= 1.0 - at `$.train.random_erasing`"),
        ("model.flip_average=maybe", "Expected `bool`"),
        ("evaluation.photo_size=0", "Expected `int` >= 1 - at `$.evaluation.photo_size`"),
        ("seed=-3", "Expected `int` >= 0 - at `$.seed`"),
    ],
)
def test_bad_category_configs_name_the_override_and_what_is_wrong(override: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(CATEGORY, [override])
    assert message in str(info.value) and str(info.value).startswith(f"--set {override}: ")


def test_values_that_only_fail_together_blame_the_override_that_set_one_of_them() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(CATEGORY, ["train.group_loss_weight=1.0", "model.targets=groups", "seed=2"])
    assert str(info.value).startswith("--set model.targets=groups: train.group_loss_weight=1.0 needs model.targets")
    with pytest.raises(ConfigError) as info:
        load_config(CATEGORY, ["data.train_limit=100", "data.validation_fraction=0.01"])
    assert str(info.value).startswith("--set data.validation_fraction=0.01: data.train_limit=100 is too small")
    assert "at least 506" in str(info.value)
    with pytest.raises(ConfigError) as info:
        load_config(CATEGORY, ["train.random_erasing=0.5", "train.augment=false"])
    assert str(info.value).startswith("--set train.augment=false: train.random_erasing=0.5 needs train.augment")


@pytest.mark.parametrize("validation_fraction", [0.1, 0.01, 0.3])
def test_the_smallest_train_limit_accepted_gives_every_class_a_training_and_a_validation_image(
    validation_fraction: float,
) -> None:
    """The config's bound agrees with the subset and split training.category.data really makes."""
    fraction = f"data.validation_fraction={validation_fraction}"
    with pytest.raises(ConfigError, match=r"or at least (\d+)") as info:
        load_config(CATEGORY, [fraction, "data.train_limit=1"])
    smallest = int(info.value.args[0].rsplit(" ", 1)[1])
    load_config(CATEGORY, [fraction, f"data.train_limit={smallest}"])
    with pytest.raises(ConfigError):
        load_config(CATEGORY, [fraction, f"data.train_limit={smallest - 1}"])

    labels = np.repeat(np.arange(10), 6000)  # Fashion-MNIST's training set: 10 balanced classes
    for limit, works in ((smallest, True), (smallest - 1, False)):
        subset = _subset(Split(np.zeros((len(labels), 1, 1), np.uint8), labels), limit, seed=1)
        kept, held = stratified_indices(subset.labels, validation_fraction, seed=1)
        every_class = set(subset.labels[kept]) == set(subset.labels[held]) == set(range(10))
        assert every_class is works, limit
