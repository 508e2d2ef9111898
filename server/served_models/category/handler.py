"""Category inference: decoded images → (micro-batched) runtime → one group per product."""

from __future__ import annotations

import numpy as np

from server.registry import LoadedModel
from server.served_models.category.wire import CategoryPrediction, CategoryProduct


async def predict_categories(
    model: LoadedModel, products: list[CategoryProduct], inputs: np.ndarray, with_probabilities: bool
) -> list[CategoryPrediction]:
    if not products:
        return []
    results = await model.batcher.predict(list(inputs))  # one (label, probabilities) per image
    labels = [label for label, _ in results]
    if not with_probabilities:
        return [CategoryPrediction(label, p.product_id) for label, p in zip(labels, products, strict=True)]
    names = model.metadata.labels
    return [
        CategoryPrediction(label, p.product_id, dict(zip(names, row.tolist(), strict=True)))
        for (label, row), p in zip(results, products, strict=True)
    ]
