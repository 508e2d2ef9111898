"""The models this server serves: one line per served model."""

from __future__ import annotations

from server.served_models.category.declaration import CATEGORY
from server.served_models.declaration import ServedModel
from server.served_models.pattern.declaration import PATTERN

SERVED_MODELS: tuple[ServedModel, ...] = (PATTERN, CATEGORY)
