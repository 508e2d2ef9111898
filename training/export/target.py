"""Where and how one run is exported: the model directory it becomes, the run's identity (the
metadata's `trained_from`) and the promotion gate's override, if a person gave one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contract.artifact import GateOverride
from training.identity import RunIdentity, identity_of
from training.runs import read_metrics


@dataclass(frozen=True)
class ExportTarget:
    artifact_dir: Path  # the model repository
    name: str  # the model's name there: artifact_dir/<name>/, served as <name>
    identity: RunIdentity
    gate_override: GateOverride | None = None
    examples: int | None = None  # generated Unicode texts the gate checks (text models; None: the model's default)

    @classmethod
    def of_run(cls, run_dir: Path, artifact_dir: Path, name: str, examples: int | None = None) -> ExportTarget:
        """A finished run exported as `name`, with no gate override (what tests and scripts use)."""
        return cls(artifact_dir, name, identity_of(read_metrics(run_dir)), None, examples)
