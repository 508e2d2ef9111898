"""Where the benchmarks read their inputs and write their scratch files."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "work"  # wrk scripts, the template's pickle, server logs (git-ignored)
ARTIFACTS = ROOT / "artifacts"
