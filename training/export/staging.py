"""Build a model directory beside the artifact, then swap it in only if the build succeeded.

Every export goes through here: a refused or failed build leaves the current artifact as it
was, and readers never see a half-written model directory."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def staged_export(artifact_dir: Path, name: str, build: Callable[[Path], None]) -> Path:
    """Run `build(staging_dir)`; if it returns, `artifact_dir/name` becomes its result."""
    artifact_dir.mkdir(parents=True, exist_ok=True)
    target = artifact_dir / name
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-staging-", dir=artifact_dir))
    staging.chmod(0o755)  # mkdtemp makes it 0700; the serving user must be able to read it
    try:
        build(staging)
        _swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _swap_in(staging: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}-previous")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
