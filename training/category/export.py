"""`make export` for a category run: PyTorch → ONNX, gated by the serving runtime.

The exported graph takes (batch, 1, 28, 28) floats in [0, 1] and returns the five group
probabilities (class probabilities summed into groups inside the graph for a 10-class
model), so the server's only arithmetic is an argmax. The artifact replaces the current one
only if onnxruntime and PyTorch agree on the argmax of every test image and on every
probability within 1e-4."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from contract.artifact import ONNX_FILE, ArtifactMetadata, EquivalenceCheck, sha256_of, write_metadata
from contract.fashion_groups import GROUPS, grouping_matrix
from contract.image import image_input
from inference.image_classification import ImageClassificationRuntime
from training.category.config import CategoryConfig, CategoryData
from training.category.data import load_data
from training.category.experiment import load_model
from training.category.idx import SPLITS
from training.category.summary import category_headline
from training.category.task import CATEGORY
from training.config import load_config
from training.data import data_dir
from training.export.gate import ExportRefused, Gate
from training.export.metadata import artifact_metadata
from training.export.staging import staged_export
from training.runs import CONFIG_FILE, read_metrics

log = logging.getLogger(__name__)

INPUT_NAME = "image"
OUTPUT_NAME = "probabilities"
# PyTorch and onnxruntime run different float32 kernels (convolutions, softmax): 1e-4 covers that.
GATE = Gate(tolerance=1e-4)
OPSET = 18
LIBRARIES = ["torch", "onnx", "onnxscript", "onnxruntime", "numpy", "pillow", "msgspec"]
REGISTRY_LOGGER = "torch.onnx._internal.exporter._registration"  # see _TorchvisionNotInstalled


class GroupProbabilities(nn.Module):
    """The trained network plus what turns its logits into the served group probabilities."""

    grouping: torch.Tensor  # (10, 5), a buffer: travels with the exported graph

    def __init__(self, network: nn.Module, targets: str) -> None:
        super().__init__()
        self.network = network.eval()
        self.sum_into_groups = targets == "classes"
        self.register_buffer("grouping", torch.from_numpy(grouping_matrix()))

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        probabilities = torch.softmax(self.network(image), dim=1)
        return probabilities @ self.grouping if self.sum_into_groups else probabilities


def export_category_run(run_dir: Path, artifact_dir: Path, candidate: nn.Module | None = None) -> Path:
    """Export `run_dir` to `artifact_dir/category/`. The gate compares against the run's own
    network; `candidate` exports another one instead (tests prove the gate refuses it)."""
    config = load_config(run_dir / CONFIG_FILE)
    assert isinstance(config, CategoryConfig), f"{run_dir} is not a category run"
    reference = GroupProbabilities(load_model(run_dir, config), config.model.targets)
    exported = reference if candidate is None else GroupProbabilities(candidate, config.model.targets)
    return staged_export(
        artifact_dir, CATEGORY.name, lambda staging: _build(staging, run_dir, config, reference, exported)
    )


def _build(staging: Path, run_dir: Path, config: CategoryConfig, reference: nn.Module, exported: nn.Module) -> None:
    _to_onnx(exported, staging / ONNX_FILE)
    metadata = _metadata(staging, run_dir, config)
    write_metadata(staging, metadata)
    runtime = ImageClassificationRuntime(staging)
    data = load_data(data_dir(), CategoryData())  # the full official sets, whatever subset the run used
    checks = [
        _check("test_images", reference, runtime, data.test.inputs()),
        _check("validation_images", reference, runtime, data.validation.inputs()),
    ]
    for c in checks:
        log.info(
            "%s: %d images, %d argmax differences, max |Δp| %.2g",
            c.name,
            c.products,
            c.label_mismatches,
            c.max_abs_probability_diff,
        )
    failed = [c for c in checks if not c.passed]
    if failed:
        raise ExportRefused(
            "onnxruntime and PyTorch disagree: "
            + "; ".join(
                f"{c.name}: {c.label_mismatches} labels differ, max |Δp| {c.max_abs_probability_diff:.3g} "
                f"(tolerance {GATE.tolerance})"
                for c in failed
            )
        )
    GATE.record(staging, metadata, checks)


class _TorchvisionNotInstalled(logging.Filter):
    """torch.onnx fills its operator registry from onnxscript's table, which has four torchvision
    operators (nms, roi_align, roi_pool, deform_conv2d); without torchvision it logs one warning
    per operator, on every export. No network here uses them, and torchvision is deliberately not
    a dependency: only that notice is dropped, any other registry warning still shows."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("torchvision is not installed")


def _to_onnx(module: nn.Module, path: Path) -> None:
    example = torch.rand(2, 1, 28, 28)
    batch = torch.export.Dim("batch", min=1, max=4096)
    for noisy in ("onnxscript", "onnx_ir", "torch.onnx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    registry_log, no_torchvision = logging.getLogger(REGISTRY_LOGGER), _TorchvisionNotInstalled()
    registry_log.addFilter(no_torchvision)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's chatter about opset conversions
            program = torch.onnx.export(
                module,
                (example,),
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_shapes={"image": {0: batch}},
                opset_version=OPSET,
                dynamo=True,
                verbose=False,
            )
    finally:
        registry_log.removeFilter(no_torchvision)
    assert program is not None  # dynamo=True always returns the program
    program.save(str(path))


@torch.no_grad()
def _check(
    name: str, reference: nn.Module, runtime: ImageClassificationRuntime, inputs: np.ndarray
) -> EquivalenceCheck:
    expected = np.concatenate(
        [reference(torch.from_numpy(inputs[i : i + 1000])).numpy() for i in range(0, len(inputs), 1000)]
    )
    found = np.concatenate([runtime.probabilities(inputs[i : i + 1000]) for i in range(0, len(inputs), 1000)])
    mismatches = int((expected.argmax(1) != found.argmax(1)).sum())
    diff = float(np.abs(expected - found).max())
    return GATE.judge(name, len(inputs), mismatches, diff)


def _metadata(staging: Path, run_dir: Path, config: CategoryConfig) -> ArtifactMetadata:
    directory = data_dir() / config.data.directory
    files = [f"{name}.gz" for pair in SPLITS.values() for name in pair[:2]]
    return artifact_metadata(
        staging,
        name=CATEGORY.name,
        kind=CATEGORY.kind,
        config=config,
        onnx_outputs={"probabilities": OUTPUT_NAME},
        labels=list(GROUPS),
        model_input=image_input(INPUT_NAME),
        training_data_sha256={f"{config.data.directory}/{f}": sha256_of(directory / f) for f in files},
        libraries=LIBRARIES,
        metrics=category_headline(read_metrics(run_dir)),
        tolerance=GATE.tolerance,
    )
