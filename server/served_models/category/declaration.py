"""The category model's serving declaration."""

from __future__ import annotations

from server.served_models.category.routes import category_routes
from server.served_models.declaration import ServedModel, with_probabilities

CATEGORY = ServedModel(
    name="category",
    task="image-classification",
    queue_setting="max_queued_images",
    results=with_probabilities,
    routes=category_routes,
)
