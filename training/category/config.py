"""Typed configuration of a category experiment (training/configs/category-*.toml).

Every value that cannot work is refused when the config is loaded, naming the field: ranges
through msgspec constraints, values that depend on each other in `__post_init__`."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from contract.fashion_groups import CLASSES
from training.fields import FieldError, Name, Seed

Positive = Annotated[int, msgspec.Meta(ge=1)]
Fraction = Annotated[float, msgspec.Meta(gt=0.0, lt=1.0)]

# The official Fashion-MNIST sets, which the IDX reader checks by count and checksum: balanced classes.
TRAIN_IMAGES = 60_000
TEST_IMAGES = 10_000


class CategoryData(msgspec.Struct, forbid_unknown_fields=True):
    directory: Annotated[str, msgspec.Meta(min_length=1)] = "fashion-mnist"  # under DATA_DIR
    validation_fraction: Fraction = 0.1
    split_seed: Seed = 20_261_123  # fixed, so every run validates on the same images
    train_limit: Annotated[int, msgspec.Meta(ge=0)] = 0  # > 0: a stratified subset (smoke runs)
    test_limit: Annotated[int, msgspec.Meta(ge=0)] = 0


class CategoryModel(msgspec.Struct, forbid_unknown_fields=True):
    architecture: Literal["linear", "mlp", "cnn", "resnet"]
    width: Positive = 32
    # "classes": 10 Fashion-MNIST classes, probabilities summed into groups; "groups": 5 directly.
    targets: Literal["classes", "groups"] = "classes"
    # Average the logits of each image and its mirror image, in evaluation and in the exported
    # graph (garments are left-right symmetric); doubles the inference cost.
    flip_average: bool = False


class CategoryTraining(msgspec.Struct, forbid_unknown_fields=True):
    epochs: Positive = 4
    batch_size: Positive = 128
    learning_rate: Annotated[float, msgspec.Meta(gt=0.0)] = 3e-3
    weight_decay: Annotated[float, msgspec.Meta(ge=0.0)] = 5e-4
    patience: Positive = 3  # epochs without a better validation accuracy before stopping
    # No new epoch starts once the next one would end past this.
    max_minutes: Annotated[float, msgspec.Meta(gt=0.0)] = 10.0
    threads: Positive = 2
    augment: bool = True  # random shift of up to ±2 pixels and horizontal flip
    # With augment: the probability that a random rectangle (2-25% of the image) of a training
    # image is blanked to the background, so no single part of a garment decides its class.
    random_erasing: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] = 0.0
    # > 0: evaluate, keep and export an exponential moving average of the weights (and batch-norm
    # statistics) with this decay per step, instead of the last weights.
    ema_decay: Annotated[float, msgspec.Meta(ge=0.0, lt=1.0)] = 0.0
    imbalance: Literal["none", "class_weights", "balanced_sampler"] = "none"
    label_smoothing: Annotated[float, msgspec.Meta(ge=0.0, lt=1.0)] = 0.0
    # Hierarchical loss (classes targets only): + weight * NLL of the summed group probabilities.
    group_loss_weight: Annotated[float, msgspec.Meta(ge=0.0)] = 0.0


class CategoryEvaluation(msgspec.Struct, forbid_unknown_fields=True):
    batch_size: Positive = 1000
    calibration_bins: Positive = 15
    gallery_size: Positive = 24
    photo_check: bool = True  # also score the test set inverted and upscaled, through contract.image
    photo_size: Positive = 112


class CategoryConfig(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    task: Literal["category"]  # the model's name (see training.config)
    seed: Seed
    model: CategoryModel
    data: CategoryData = msgspec.field(default_factory=CategoryData)
    train: CategoryTraining = msgspec.field(default_factory=CategoryTraining)
    evaluation: CategoryEvaluation = msgspec.field(default_factory=CategoryEvaluation)
    serve_as: Name | None = None  # `make export` writes artifacts/<serve_as>/ (default: category, the champion)

    def __post_init__(self) -> None:
        if self.train.group_loss_weight and self.model.targets != "classes":
            raise FieldError(
                f"train.group_loss_weight={self.train.group_loss_weight} needs model.targets = 'classes' "
                f"(got {self.model.targets!r}): set train.group_loss_weight=0 or model.targets=classes",
                "train.group_loss_weight",
                "model.targets",
            )
        if self.train.random_erasing and not self.train.augment:
            raise FieldError(
                f"train.random_erasing={self.train.random_erasing} needs train.augment = true: "
                "set train.augment=true or train.random_erasing=0",
                "train.random_erasing",
                "train.augment",
            )
        _check_split(self.data)


def _per_class(limit: int, total: int) -> int:
    """Images of each class in a stratified subset of `limit` images, computed exactly as
    training.category.data.stratified_indices does (the classes are balanced)."""
    per_class = total // len(CLASSES)
    fraction = limit / total if 0 < limit < total else 1.0
    return round(per_class * fraction)


def _split_works(limit: int, validation_fraction: float) -> bool:
    """Every class keeps at least one training and one validation image."""
    images = _per_class(limit, TRAIN_IMAGES)
    validation = round(images * validation_fraction)
    return validation >= 1 and images - validation >= 1


def _check_split(data: CategoryData) -> None:
    classes = len(CLASSES)
    if not _split_works(0, data.validation_fraction):
        raise FieldError(
            f"data.validation_fraction={data.validation_fraction} leaves a class of {TRAIN_IMAGES // classes} "
            "training images without a validation or a training image: use a fraction between 0.001 and 0.999",
            "data.validation_fraction",
        )
    if data.train_limit and not _split_works(data.train_limit, data.validation_fraction):
        smallest = next(n for n in range(1, TRAIN_IMAGES + 1) if _split_works(n, data.validation_fraction))
        raise FieldError(
            f"data.train_limit={data.train_limit} is too small for a stratified split of the {classes} classes "
            f"with data.validation_fraction={data.validation_fraction} (every class needs a training and a "
            f"validation image): use 0 (all {TRAIN_IMAGES} images) or at least {smallest}",
            "data.train_limit",
            "data.validation_fraction",
        )
    if data.test_limit and _per_class(data.test_limit, TEST_IMAGES) < 1:
        smallest = next(n for n in range(1, TEST_IMAGES + 1) if _per_class(n, TEST_IMAGES) >= 1)
        raise FieldError(
            f"data.test_limit={data.test_limit} is too small for a stratified subset of the {classes} classes "
            f"(every class needs a test image): use 0 (all {TEST_IMAGES} images) or at least {smallest}",
            "data.test_limit",
        )


def subset_of(config: CategoryConfig) -> list[str]:
    """The limits that make a run train or be tested on part of Fashion-MNIST (run identity)."""
    data = config.data
    return [
        f"data.{key}={value}"
        for key, value in (("train_limit", data.train_limit), ("test_limit", data.test_limit))
        if value
    ]
