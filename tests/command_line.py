"""Running the project's commands in tests: a clean environment, what a module imports, the one
error line a mistake prints, and the options a help text documents."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

LOG_ERROR = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} level=ERROR logger=training ")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CATALOGUE_DEBUG", "MLFLOW_TRACKING_URI", "DATABASE_URL")}
    return env | extra


def modules_imported_by(code: str, modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` are loaded after running `code` in a fresh interpreter (from the project root)."""
    script = f"import sys; {code}; print(sorted(m for m in {modules!r} if m in sys.modules))"
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True)
    return ast.literal_eval(out.stdout.strip())


def the_error(stderr: str) -> str:
    """The one line a mistake prints, without the log prefix of the training CLI."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return LOG_ERROR.sub("", lines[0])


def described_options(help_text: str) -> dict[str, str]:
    """Each option of an argparse help text with its description ('' when it has none), from the
    options section and every argument group's section after it."""
    blocks = help_text.split("options:\n", 1)[1].split("\n\n")
    sections = [blocks[0]] + [block.split("\n", 1)[1] for block in blocks[1:] if re.match(r"[^ \n].*:\n  -", block)]
    entries = [entry for section in sections for entry in re.split(r"\n(?=  -)", section)]
    described = {}
    for entry in entries:
        invocation, _, description = entry.strip().partition("  ")
        for option in re.findall(r"(?:^|, )(-[-\w]+)", invocation):
            described[option] = " ".join(description.split())
    return described
