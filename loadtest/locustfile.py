"""Load profile for POST /predict: catalogue pages asking for one product at a time, and
bulk jobs sending batches, with bodies drawn from the real test products.

Run headless with `make loadtest` (HOST, USERS, DURATION); every answer is checked: status,
one prediction per product, ids echoed in order."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pandas as pd
from locust import FastHttpUser, between, task

_DATA = Path(os.environ.get("DATA_DIR", "data")) / "asos" / "exercise_test.tsv"
_FRAME = pd.read_table(_DATA)
PRODUCTS = [
    {"name": n, "description": d, "product_id": int(i)}
    for n, d, i in zip(_FRAME["name"], _FRAME["description"], _FRAME["productId"], strict=True)
]
BATCH_SIZES = (10, 50, 100)


class CatalogueClient(FastHttpUser):
    wait_time = between(0.0, 0.05)

    def _predict(self, products: list[dict], name: str) -> None:
        body = json.dumps(products)
        with self.client.post(
            "/predict", data=body, headers={"Content-Type": "application/json"}, name=name, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}: {response.text[:200]}")
                return
            answer = response.json()
            if [a["product_id"] for a in answer] != [p["product_id"] for p in products]:
                response.failure("product ids not echoed in order")

    @task(10)
    def one_product(self) -> None:
        self._predict([random.choice(PRODUCTS)], "/predict [1 product]")

    @task(1)
    def batch(self) -> None:
        size = random.choice(BATCH_SIZES)
        self._predict(random.sample(PRODUCTS, size), f"/predict [{size} products]")
