"""Typed configuration of a category experiment (training/configs/category-*.toml)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Positive = Annotated[int, msgspec.Meta(ge=1)]
Fraction = Annotated[float, msgspec.Meta(gt=0.0, lt=1.0)]


class CategoryData(msgspec.Struct, forbid_unknown_fields=True):
    directory: str = "fashion-mnist"  # under DATA_DIR
    validation_fraction: Fraction = 0.1
    split_seed: int = 20_261_123  # fixed, so every run validates on the same images
    train_limit: Annotated[int, msgspec.Meta(ge=0)] = 0  # > 0: a stratified subset (smoke runs)
    test_limit: Annotated[int, msgspec.Meta(ge=0)] = 0


class CategoryModel(msgspec.Struct, forbid_unknown_fields=True):
    architecture: Literal["linear", "mlp", "cnn", "resnet"]
    width: Positive = 32
    # "classes": 10 Fashion-MNIST classes, probabilities summed into groups; "groups": 5 directly.
    targets: Literal["classes", "groups"] = "classes"


class CategoryTraining(msgspec.Struct, forbid_unknown_fields=True):
    epochs: Positive = 4
    batch_size: Positive = 128
    learning_rate: float = 3e-3
    weight_decay: float = 5e-4
    patience: Positive = 3  # epochs without a better validation accuracy before stopping
    max_minutes: float = 10.0  # no new epoch starts once the next one would end past this
    threads: Positive = 2
    augment: bool = True  # random shift of up to ±2 pixels and horizontal flip
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
    name: str
    task: Literal["category"]
    seed: int
    model: CategoryModel
    data: CategoryData = msgspec.field(default_factory=CategoryData)
    train: CategoryTraining = msgspec.field(default_factory=CategoryTraining)
    evaluation: CategoryEvaluation = msgspec.field(default_factory=CategoryEvaluation)

    def __post_init__(self) -> None:
        if self.train.group_loss_weight and self.model.targets != "classes":
            raise ValueError("train.group_loss_weight needs model.targets = 'classes'")
