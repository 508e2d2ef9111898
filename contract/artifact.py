"""The on-disk format of an exported model: `<artifact_dir>/<model>/model.onnx` beside
`metadata.json`. A model directory describes itself, so the server needs nothing else.

The metadata describes the model and nothing else: exporting the same model again, on any day
and from any run directory, writes the same bytes, so a committed artifact changes only when
its model does. Format 2 dropped what described the moment and the machine of an export
(`created_at`, `source_run`: a run directory only its author has) for `trained_from`, the
config and seed anyone can train again. Format 3 text models read term counts instead of tokens
(`TextInput.features`). Formats 1 and 2 are still read."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import msgspec

from contract.inputs import ImageInput, TextInput

ONNX_FILE = "model.onnx"
METADATA_FILE = "metadata.json"
FORMAT_VERSION = 3  # what export writes
READABLE_FORMATS = (1, 2, 3)  # what the server loads


class EquivalenceCheck(msgspec.Struct, frozen=True):
    name: str
    products: int
    label_mismatches: int
    max_abs_probability_diff: float
    passed: bool


class EquivalenceReport(msgspec.Struct, frozen=True):
    probability_tolerance: float
    checks: list[EquivalenceCheck]

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)


class TrainingSource(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """Where a model comes from, in terms anyone with the repository can train again: the
    experiment config (`make train CONFIG=...`), its seed (`SET=seed=...`) and any other override."""

    config: str  # the `name` in one of training/configs/*.toml (pattern-prototype: pattern.toml)
    seed: int
    overrides: list[str] = []  # the run's `--set` values; empty for a config as written
    subset: list[str] = []  # the config values that trained it on part of the data


class GateOverride(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An export the promotion gate refused and a person let through (`--allow-regression`): what
    the gate found, the reason given, and the version it replaced. Absent from a normal export."""

    reason: str
    findings: list[str]
    replaced_version: str | None = None


class ArtifactMetadata(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    format_version: int
    name: str
    task: str
    version: str  # sha256 prefix of the ONNX file: the same model always has the same version
    trained_from: TrainingSource | None = None  # always written since format 2
    created_at: str | None = None  # format 1 only: read, never written
    source_run: str | None = None  # format 1 only: read, never written
    onnx_file: str
    onnx_sha256: str
    onnx_outputs: dict[str, str]
    labels: list[str]
    input: TextInput | ImageInput  # tagged by "kind": "text" or "image"
    training_data_sha256: dict[str, str]
    library_versions: dict[str, str]
    metrics: dict[str, Any]
    equivalence: EquivalenceReport
    gate_override: GateOverride | None = None  # only when the promotion gate was overridden


class ArtifactError(Exception):
    """An artifact directory is missing a file, has unreadable metadata or a bad checksum."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_metadata(model_dir: Path, metadata: ArtifactMetadata) -> Path:
    path = model_dir / METADATA_FILE
    path.write_bytes(msgspec.json.format(msgspec.json.encode(metadata), indent=2) + b"\n")
    return path


def read_metadata(model_dir: Path) -> ArtifactMetadata:
    path = model_dir / METADATA_FILE
    try:
        metadata = msgspec.json.decode(path.read_bytes(), type=ArtifactMetadata)
    except FileNotFoundError as exc:
        raise ArtifactError(f"{model_dir}: no {METADATA_FILE}") from exc
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:  # wrong fields, or not JSON at all
        raise ArtifactError(f"{path}: invalid metadata: {exc}") from exc
    if metadata.format_version not in READABLE_FORMATS:
        raise ArtifactError(
            f"{path}: metadata format {metadata.format_version}, this code reads formats {list(READABLE_FORMATS)}"
        )
    return metadata


def verified_onnx_path(model_dir: Path, metadata: ArtifactMetadata) -> Path:
    """The ONNX file of a model directory, after checking it is the one the metadata names."""
    path = model_dir / metadata.onnx_file
    if not path.is_file():
        raise ArtifactError(f"{model_dir}: no {metadata.onnx_file}")
    actual = sha256_of(path)
    if actual != metadata.onnx_sha256:
        raise ArtifactError(f"{path}: sha256 {actual} does not match metadata ({metadata.onnx_sha256})")
    return path


def model_dirs(artifact_dir: Path) -> list[Path]:
    """Every model directory under the artifact root, in name order."""
    return sorted(p.parent for p in artifact_dir.glob(f"*/{METADATA_FILE}"))
