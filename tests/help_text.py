"""Reading argparse help texts: which options a command documents, and how."""

from __future__ import annotations

import re


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
