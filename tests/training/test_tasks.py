"""The task registry: every model's lazily imported entry points name functions that exist, and
registering the models imports none of the heavy libraries."""

from __future__ import annotations

from dataclasses import fields

from tests.command_line import modules_imported_by
from training.task import Lazy
from training.tasks import TASKS


def test_every_lazy_entry_point_resolves_to_a_function() -> None:
    for task in TASKS.values():
        for field in fields(task):
            value = getattr(task, field.name)
            if isinstance(value, Lazy):
                assert callable(value.resolve()), f"{task.name}.{field.name}: {value.target}"


def test_registering_the_models_imports_no_heavy_library() -> None:
    assert modules_imported_by("import training.tasks", ("sklearn", "torch", "pandas", "matplotlib")) == []
