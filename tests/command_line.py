"""Running the project's commands in tests: a clean environment, the one error line a mistake
prints, and the options a help text documents."""

from __future__ import annotations

import os
import re

LOG_ERROR = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} level=ERROR logger=training ")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CATALOGUE_DEBUG", "MLFLOW_TRACKING_URI", "DATABASE_URL")}
    return env | extra


def the_error(stderr: str) -> str:
    """The one line a mistake prints, without the log prefix of the training CLI."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return LOG_ERROR.sub("", lines[0])


def described_options(help_text: str) -> dict[str, str]:
    """Each option of an argparse help text with its description ('' when it has none)."""
    section = help_text.split("options:\n", 1)[1].split("\n\n", 1)[0]
    entries = re.split(r"\n(?=  -)", section)
    described = {}
    for entry in entries:
        invocation, _, description = entry.strip().partition("  ")
        for option in re.findall(r"(?:^|, )(-[-\w]+)", invocation):
            described[option] = " ".join(description.split())
    return described
