"""Pattern inference: decoded products → (micro-batched) runtime → predictions."""

from __future__ import annotations

from server.brief_api.pattern.wire import PatternPrediction, PatternProduct
from server.registry import LoadedModel


async def predict_patterns(model: LoadedModel, products: list[PatternProduct]) -> list[PatternPrediction]:
    if not products:
        return []
    predictions = await model.batcher.predict(products)  # PatternProduct has the TextProduct fields
    return [PatternPrediction(label, p.product_id) for label, p in zip(predictions.labels, products, strict=True)]
