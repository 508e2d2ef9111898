"""The brief's template approach, for comparison only: FastAPI + pydantic validation + the
pickled scikit-learn pipeline predicting in-process. `BENCH_TEMPLATE_MODEL` names the pickle."""

from __future__ import annotations

import os
import pickle

from fastapi import FastAPI
from pydantic import BaseModel

from contract.text import product_text


class Product(BaseModel):
    name: str
    description: str
    product_id: int | str


class Prediction(BaseModel):
    pattern: str
    product_id: int | str


def create_app() -> FastAPI:
    with open(os.environ["BENCH_TEMPLATE_MODEL"], "rb") as f:
        model = pickle.load(f)
    app = FastAPI()

    @app.post("/predict")
    async def predict(products: list[Product]) -> list[Prediction]:
        if not products:
            return []
        labels = model.predict([product_text(p.name, p.description) for p in products])
        return [Prediction(pattern=label, product_id=p.product_id) for label, p in zip(labels, products, strict=True)]

    return app
