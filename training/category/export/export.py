"""`make export` for a category run: build the graph (graph.py), check it with the serving runtime
against PyTorch (equivalence.py), write the metadata, and only then swap it into artifacts/category/.
The artifact replaces the current one only if onnxruntime and PyTorch agree on the argmax of every
test and validation image and on every probability within the gate's tolerance."""

from __future__ import annotations

from pathlib import Path

from torch import nn

from contract.artifact import ONNX_FILE, ArtifactMetadata, sha256_of, write_metadata
from contract.fashion_groups import GROUPS
from contract.image import image_input
from inference.image_classification import ImageClassificationRuntime
from training.category.config import CategoryConfig, CategoryData
from training.category.data import load_data
from training.category.experiment import load_model
from training.category.export.equivalence import GATE, check_images, judge
from training.category.export.graph import INPUT_NAME, OUTPUT_NAME, GroupProbabilities, to_onnx
from training.category.idx import SPLITS
from training.category.summary import category_headline
from training.category.task import CATEGORY
from training.config import load_config
from training.data import data_dir
from training.export.metadata import artifact_metadata
from training.export.staging import staged_export
from training.export.target import ExportTarget
from training.runs import CONFIG_FILE, read_metrics

LIBRARIES = ["torch", "onnx", "onnxscript", "onnxruntime", "numpy", "pillow", "msgspec"]


def export_category_run(run_dir: Path, target: ExportTarget, candidate: nn.Module | None = None) -> Path:
    """Export `run_dir` to `target.artifact_dir / target.name`. The gate compares against the run's own network;
    `candidate` exports another one instead (tests prove the gate refuses it)."""
    config = load_config(run_dir / CONFIG_FILE)
    assert isinstance(config, CategoryConfig), f"{run_dir} is not a category run"
    reference = GroupProbabilities(load_model(run_dir, config), config.model.targets)
    exported = reference if candidate is None else GroupProbabilities(candidate, config.model.targets)
    return staged_export(
        target.artifact_dir, target.name, lambda staging: _build(staging, run_dir, config, reference, exported, target)
    )


def _build(
    staging: Path,
    run_dir: Path,
    config: CategoryConfig,
    reference: nn.Module,
    exported: nn.Module,
    target: ExportTarget,
) -> None:
    to_onnx(exported, staging / ONNX_FILE)
    metadata = _metadata(staging, run_dir, config, target)
    write_metadata(staging, metadata)
    runtime = ImageClassificationRuntime(staging)
    data = load_data(data_dir(), CategoryData())  # the full official sets, whatever subset the run used
    checks = [
        check_images("test_images", reference, runtime, data.test.inputs()),
        check_images("validation_images", reference, runtime, data.validation.inputs()),
    ]
    judge(checks)
    GATE.record(staging, metadata, checks)


def _metadata(staging: Path, run_dir: Path, config: CategoryConfig, target: ExportTarget) -> ArtifactMetadata:
    directory = data_dir() / config.data.directory
    files = [f"{name}.gz" for pair in SPLITS.values() for name in pair[:2]]
    return artifact_metadata(
        staging,
        name=target.name,
        kind=CATEGORY.kind,
        config=config,
        onnx_outputs={"probabilities": OUTPUT_NAME},
        labels=list(GROUPS),
        model_input=image_input(INPUT_NAME),
        training_data_sha256={f"{config.data.directory}/{f}": sha256_of(directory / f) for f in files},
        libraries=LIBRARIES,
        metrics=category_headline(read_metrics(run_dir)),
        tolerance=GATE.tolerance,
        identity=target.identity,
        gate_override=target.gate_override,
    )
