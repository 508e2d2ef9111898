"""Reading a window of production requests: the API's JSON body or JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class WindowError(Exception):
    """The window file is missing, not JSON, or not a list of the model's request objects."""


def read_window(path: Path) -> list[dict[str, Any]]:
    """A JSON array of request objects (the API's body) or JSON lines, one object per line."""
    try:
        text = path.read_text()
    except FileNotFoundError as exc:
        raise WindowError(f"window file not found: {path}") from exc
    try:
        items = (
            json.loads(text)
            if text.lstrip().startswith("[")
            else [json.loads(line) for line in text.splitlines() if line.strip()]
        )
    except json.JSONDecodeError as exc:
        raise WindowError(f"{path}: not JSON or JSON lines: {exc}") from exc
    if not items or not all(isinstance(i, dict) for i in items):
        raise WindowError(f"{path}: expected a non-empty list of objects")
    return items
