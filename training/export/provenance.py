"""The parts of an artifact's metadata that say where the model comes from, shared by both
exporters. Only what describes the model: nothing about the moment of the export or the
machine it ran on, so that exporting the same model again writes the same metadata."""

from __future__ import annotations

import sys
from importlib.metadata import version

from contract.artifact import TrainingSource


def library_versions(libraries: list[str]) -> dict[str, str]:
    """The converter and runtime versions the export used (pinned by requirements.lock), and the
    Python minor version: the patch release is the machine's, not the model's."""
    return {"python": f"{sys.version_info.major}.{sys.version_info.minor}"} | {lib: version(lib) for lib in libraries}


def trained_from(config_name: str, seed: int) -> TrainingSource:
    """The experiment config and seed, which anyone with the repository can train again; not the
    run directory (`runs/<UTC time>-<name>`), which only exists where the model was trained."""
    return TrainingSource(config=config_name, seed=seed)
