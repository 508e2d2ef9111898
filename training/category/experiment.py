"""One category experiment, start to finish: data, model, training, final figures on the
test set, and everything written into the run directory."""

from __future__ import annotations

import csv
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from contract.fashion_groups import CLASS_TO_GROUP, CLASSES, GROUPS
from training.category.config import CategoryConfig
from training.category.data import Dataset, FashionData, load_data
from training.category.evaluation import (
    calibration,
    class_confusion,
    grouped_metrics,
    inference_cost,
    worst_mistakes,
)
from training.category.models import FlipAveraged, build_model
from training.category.photos import photo_inputs
from training.category.report import write_report
from training.category.train import fit, group_probabilities, predict_logits
from training.data import data_dir

log = logging.getLogger(__name__)

MODEL_FILE = "model.pt"


def outputs_of(config: CategoryConfig) -> int:
    return len(CLASSES) if config.model.targets == "classes" else len(GROUPS)


def network_of(config: CategoryConfig) -> torch.nn.Module:
    """The config's network, untrained."""
    model = config.model
    return build_model(model.architecture, outputs_of(config), model.width, model.flip_average)


def save_model(run_dir: Path, model: torch.nn.Module, config: CategoryConfig) -> None:
    torch.save({"state_dict": model.state_dict(), "architecture": config.model.architecture}, run_dir / MODEL_FILE)


def load_model(run_dir: Path, config: CategoryConfig) -> torch.nn.Module:
    saved = torch.load(run_dir / MODEL_FILE, map_location="cpu", weights_only=True)
    model = network_of(config)
    model.load_state_dict(saved["state_dict"])
    return model.eval()


def probabilities(model: torch.nn.Module, config: CategoryConfig, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group probabilities, target probabilities) for (n, 1, 28, 28) inputs."""
    logits = predict_logits(model, inputs, config.evaluation.batch_size)
    return group_probabilities(logits, config.model.targets).numpy(), torch.softmax(logits, 1).numpy()


def run_category_experiment(config: CategoryConfig, run_dir: Path) -> dict[str, Any]:
    data = load_data(data_dir(), config.data)
    log.info(
        "data: %d train, %d validation, %d test images",
        len(data.train.classes),
        len(data.validation.classes),
        len(data.test.classes),
    )
    torch.manual_seed(config.seed)
    model = network_of(config)
    val_inputs = data.validation.inputs()
    result = fit(model, config, data.train.inputs(), data.train.classes, val_inputs, data.validation.classes)
    save_model(run_dir, result.model, config)

    metrics: dict[str, Any] = {
        "task": "category",
        "config_name": config.name,
        "run_id": run_dir.name,
        "seed": config.seed,
        "model": {
            "architecture": config.model.architecture,
            "width": config.model.width,
            "targets": config.model.targets,
        },
        "training": {
            "seconds": result.seconds,
            "epochs_run": len(result.history),
            "best_epoch": result.best_epoch,
            "stopped_because": result.stopped_because,
            "torch_threads": config.train.threads,
        },
        "history": [asdict(r) for r in result.history],
    }
    val_p, _ = probabilities(result.model, config, val_inputs)
    metrics["validation"] = grouped_metrics(data.validation.classes, val_p)
    # The test set, touched once, for the final figures.
    test_inputs = data.test.inputs()
    test_p, target_p = probabilities(result.model, config, test_inputs)
    metrics["test"] = grouped_metrics(data.test.classes, test_p)
    if isinstance(result.model, FlipAveraged):
        metrics["single_view"] = _single_view(result.model.network, config, data, val_inputs, test_inputs)
    if config.model.targets == "classes":
        metrics["class_confusion"] = class_confusion(data.test.classes, target_p)
    metrics["calibration"] = calibration(data.test.classes, test_p, config.evaluation.calibration_bins)
    metrics["worst_mistakes"] = worst_mistakes(data.test.classes, test_p, config.evaluation.gallery_size)
    if config.evaluation.photo_check:
        metrics["photo_test"] = _photo_check(result.model, config, data.test)
    metrics["inference_cost"] = inference_cost(result.model)
    log.info(
        "test: grouped accuracy %.4f, macro-F1 %.4f, ECE %.4f",
        metrics["test"]["accuracy"],
        metrics["test"]["macro_f1"],
        metrics["calibration"]["ece"],
    )
    _write_predictions(run_dir / "predictions_test.csv", data.test.classes, test_p)
    write_report(run_dir, metrics, data.test.images)
    return metrics


def _single_view(
    network: torch.nn.Module, config: CategoryConfig, data: FashionData, val_inputs: np.ndarray, test_inputs: np.ndarray
) -> dict[str, float]:
    """The same weights without test-time flip averaging: what the averaging adds. The inputs are
    the ones already scaled for the averaged model's figures."""
    found = {
        split: grouped_metrics(classes, probabilities(network, config, inputs)[0])["accuracy"]
        for split, classes, inputs in (
            ("validation", data.validation.classes, val_inputs),
            ("test", data.test.classes, test_inputs),
        )
    }
    log.info("without flip averaging: validation %.4f, test %.4f", found["validation"], found["test"])
    return found


def _photo_check(model: torch.nn.Module, config: CategoryConfig, test: Dataset) -> dict[str, Any]:
    size = config.evaluation.photo_size
    group_p, _ = probabilities(model, config, photo_inputs(test.images, size))
    found = grouped_metrics(test.classes, group_p)
    log.info("test as %dx%d inverted photos: grouped accuracy %.4f", size, size, found["accuracy"])
    return {"size": size, "accuracy": found["accuracy"], "macro_f1": found["macro_f1"], "errors": found["errors"]}


def _write_predictions(path: Path, classes: np.ndarray, group_p: np.ndarray) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["index", "class", "group", "predicted", *GROUPS])
        for i, (c, p) in enumerate(zip(classes, group_p, strict=True)):
            writer.writerow([i, CLASSES[c], GROUPS[CLASS_TO_GROUP[c]], GROUPS[int(np.argmax(p))], *np.round(p, 6)])
