"""Category inference: decoded images → (micro-batched) runtime → one group per product."""

from __future__ import annotations

import numpy as np

from server.brief_api.category.wire import CategoryPrediction, CategoryProduct
from server.registry import LoadedModel


async def predict_categories(
    model: LoadedModel, products: list[CategoryProduct], inputs: np.ndarray, with_probabilities: bool
) -> list[CategoryPrediction]:
    if not products:
        return []
    predictions = await model.batcher.predict(list(inputs))  # one (1, 28, 28) input per image
    labels = predictions.labels
    if not with_probabilities:
        return [CategoryPrediction(label, p.product_id) for label, p in zip(labels, products, strict=True)]
    names = model.metadata.labels
    return [
        CategoryPrediction(label, p.product_id, dict(zip(names, row, strict=True)))
        for label, row, p in zip(labels, predictions.probabilities.tolist(), products, strict=True)
    ]
