"""The equivalence gate's verdict, the same rule for every model: a check passes when the
exported model, loaded by the serving runtime, gives every label the training library gives and
every probability within the model's tolerance. The verdict goes into the artifact's metadata;
a refusal (ExportRefused) leaves the current artifact untouched (training.export.staging)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import msgspec

from contract.artifact import ArtifactMetadata, EquivalenceCheck, EquivalenceReport, write_metadata


class ExportRefused(Exception):
    """The candidate failed conversion or the equivalence gate; nothing was replaced."""


@dataclass(frozen=True)
class Gate:
    """One model's gate. Each model declares its tolerance once, with its reason, as its `GATE`."""

    tolerance: float  # the largest |Δp| between the training library and onnxruntime

    def passes(self, label_mismatches: int, max_abs_probability_diff: float) -> bool:
        return label_mismatches == 0 and max_abs_probability_diff <= self.tolerance

    def judge(self, name: str, items: int, label_mismatches: int, max_abs_probability_diff: float) -> EquivalenceCheck:
        """One check's figures and its verdict, as the metadata records them."""
        passed = self.passes(label_mismatches, max_abs_probability_diff)
        return EquivalenceCheck(name, items, label_mismatches, max_abs_probability_diff, passed)

    def record(self, staging: Path, metadata: ArtifactMetadata, checks: list[EquivalenceCheck]) -> EquivalenceReport:
        """Write the checks into the staged metadata (the runtime needed the rest to load)."""
        report = EquivalenceReport(self.tolerance, checks)
        write_metadata(staging, msgspec.structs.replace(metadata, equivalence=report))
        return report
