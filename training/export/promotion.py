"""The promotion gate: before a run replaces a served model, its evaluation is compared with that
model's. The equivalence gate (training.export.gate) proves the ONNX file computes what the
training library computes; this one refuses to serve a worse model, or one trained from something
other than its config as written, over the model it would replace.

It runs before anything is converted. A finding refuses the export (ExportRefused: non-zero exit,
the artifact untouched, a message with both figures) unless a person allows it with a reason,
which the new artifact's metadata records (`gate_override`). A model name with no artifact yet
has nothing to protect: any finished run may be exported to a new name."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from contract.artifact import METADATA_FILE, ArtifactMetadata, GateOverride, read_metadata
from training.export.gate import ExportRefused
from training.identity import RunIdentity
from training.task import PromotionFigure, Task

log = logging.getLogger(__name__)

ALLOW_FLAG = "--allow-regression"
ALLOW_MAKE = "ALLOW_REGRESSION"


def promotion_gate(
    task: Task[Any], run_id: str, identity: RunIdentity, headline: dict[str, Any], target: Path, allow: str | None
) -> GateOverride | None:
    """Judge exporting the run `run_id` (its `identity` and `headline` figures) to the model
    directory `target`. Returns None when nothing is found, the override to record when `allow`
    lets findings through; raises ExportRefused otherwise."""
    if not (target / METADATA_FILE).is_file():
        return None  # a new model name: nothing to protect
    current = read_metadata(target)
    if current.task != task.kind:  # the server would give the name's clients another kind of model
        raise ExportRefused(
            f"{target} serves a model of kind {current.task} and {run_id} is of kind {task.kind}: export it "
            "under another name (--name, make export NAME=...)"
        )
    findings = _findings(task.promotion, identity, headline, current, target)
    if not findings:
        log.info("promotion gate passed", extra={"run": run_id, "target": str(target)})
        return None
    if not allow or not allow.strip():
        raise ExportRefused(
            "promotion gate: "
            + "; ".join(findings)
            + f". Export it under a new name (--name, make export NAME=...) to serve it beside {target.name}, "
            f'or replace {target.name} anyway by saying why: {ALLOW_FLAG} "<reason>" '
            f'(make export {ALLOW_MAKE}="<reason>"), recorded in the metadata'
        )
    log.warning(
        "promotion gate overridden",
        extra={"run": run_id, "target": str(target), "findings": findings, "reason": allow.strip()},
    )
    return GateOverride(reason=allow.strip(), findings=findings, replaced_version=current.version)


def _findings(
    figures: tuple[PromotionFigure, ...],
    identity: RunIdentity,
    headline: dict[str, Any],
    current: ArtifactMetadata,
    target: Path,
) -> list[str]:
    found = []
    if not identity.standard:
        found.append(f"the run is not its config as written ({identity.flags()}) and {target} is served")
    for figure in figures:
        candidate, served = headline.get(figure.key), current.metrics.get(figure.key)
        if not isinstance(served, int | float):
            found.append(f"{target} (version {current.version}) records no {figure.label} ({figure.key}) to compare")
        elif not isinstance(candidate, int | float):
            found.append(f"the run has no {figure.label} ({figure.key})")
        elif candidate < served - figure.tolerance:
            found.append(
                f"{figure.label} {candidate:.4f} is below {served:.4f} of {target} (version {current.version}) "
                f"by more than the tolerated {figure.tolerance}"
            )
    return found
