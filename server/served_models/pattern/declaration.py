"""The pattern model's serving declaration."""

from __future__ import annotations

from server.served_models.declaration import ServedModel, labels_only
from server.served_models.pattern.routes import pattern_routes

PATTERN = ServedModel(
    name="pattern",
    task="text-classification",
    queue_setting="max_queued_products",
    results=labels_only,
    routes=pattern_routes,
)
