"""The registry of models the training side knows: one line per model. A new model is its
package under training/ (with its `Task` in task.py) plus its line here; `python -m training`,
config loading, `runs`, `export`, tracking and `drift` all read this."""

from __future__ import annotations

from typing import Any

from training.category.task import CATEGORY
from training.pattern.task import PATTERN
from training.task import Task

TASKS: dict[str, Task[Any]] = {
    PATTERN.name: PATTERN,
    CATEGORY.name: CATEGORY,
}
