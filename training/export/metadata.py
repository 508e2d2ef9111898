"""The artifact metadata every export writes (contract.artifact.ArtifactMetadata), built once
for every model. Only what describes the model: nothing about the moment of the export or the
machine it ran on, so that exporting the same model again writes the same metadata."""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

from contract.artifact import (
    FORMAT_VERSION,
    ONNX_FILE,
    ArtifactMetadata,
    EquivalenceReport,
    GateOverride,
    TrainingSource,
    sha256_of,
)
from contract.inputs import ImageInput, TextInput
from training.identity import RunIdentity
from training.task import RunConfig


def library_versions(libraries: list[str]) -> dict[str, str]:
    """The converter and runtime versions the export used (pinned by requirements.lock), and the
    Python minor version: the patch release is the machine's, not the model's."""
    return {"python": f"{sys.version_info.major}.{sys.version_info.minor}"} | {lib: version(lib) for lib in libraries}


def trained_from(config: RunConfig, identity: RunIdentity) -> TrainingSource:
    """The experiment config, seed and overrides, which anyone with the repository can train again;
    not the run directory (`runs/<UTC time>-<name>`), which only exists where the model was trained."""
    return TrainingSource(
        config=identity.config, seed=config.seed, overrides=list(identity.overrides), subset=list(identity.subset)
    )


def artifact_metadata(
    staging: Path,
    *,
    name: str,
    kind: str,
    config: RunConfig,
    onnx_outputs: dict[str, str],
    labels: list[str],
    model_input: TextInput | ImageInput,
    training_data_sha256: dict[str, str],
    libraries: list[str],
    metrics: dict[str, Any],
    tolerance: float,
    identity: RunIdentity,
    gate_override: GateOverride | None,
) -> ArtifactMetadata:
    """The metadata of the ONNX file in `staging`, with an empty equivalence report: enough for
    the runtime to load the candidate; the gate fills in the report (training.export.gate)."""
    onnx_sha = sha256_of(staging / ONNX_FILE)
    return ArtifactMetadata(
        format_version=FORMAT_VERSION,
        name=name,
        task=kind,
        version=onnx_sha[:12],  # content-addressed: the same model always has the same version
        trained_from=trained_from(config, identity),
        onnx_file=ONNX_FILE,
        onnx_sha256=onnx_sha,
        onnx_outputs=onnx_outputs,
        labels=labels,
        input=model_input,
        training_data_sha256=training_data_sha256,
        library_versions=library_versions(libraries),
        metrics=metrics,
        equivalence=EquivalenceReport(tolerance, []),
        gate_override=gate_override,
    )
