"""Pattern inference: decoded products → (micro-batched) runtime → predictions."""

from __future__ import annotations

from server.registry import LoadedModel
from server.served_models.pattern.wire import PatternPrediction, PatternProduct


async def predict_patterns(model: LoadedModel, products: list[PatternProduct]) -> list[PatternPrediction]:
    if not products:
        return []
    labels = await model.batcher.predict(products)  # PatternProduct has the TextProduct fields
    return [PatternPrediction(label, p.product_id) for label, p in zip(labels, products, strict=True)]
