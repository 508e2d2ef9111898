"""Load profile of the API: catalogue pages asking for one product at a time, bulk jobs sending
batches, and product photos to classify one at a time or in batches; bodies from the real test
products and the Fashion-MNIST test images (loadtest/bodies.py).

Run headless with `make loadtest` (URL, USERS, DURATION), which checks the server and the data
first. Every answer is checked: status, one prediction per product, ids echoed in order, a
known label."""

from __future__ import annotations

import csv
import json
import random
import sys

from locust import FastHttpUser, between, events, task
from locust.env import Environment
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

from contract.fashion_groups import GROUPS
from loadtest.bodies import MissingData, data_dir, photos, products

try:
    PRODUCTS = products(data_dir())
    PHOTOS = photos(data_dir())
except MissingData as exc:
    sys.exit(f"loadtest: {exc}")  # one line, no traceback, when locust is run directly
BATCH_SIZES = (10, 50, 100)
PHOTO_BATCH = 16
HEADERS = {"Content-Type": "application/json"}
_GROUPS = frozenset(GROUPS)


class CatalogueClient(FastHttpUser):
    wait_time = between(0.0, 0.05)

    def _post(self, path: str, items: list[dict], name: str, label: str, labels: frozenset[str] | None) -> None:
        with self.client.post(path, data=json.dumps(items), headers=HEADERS, name=name, catch_response=True) as r:
            if r.status_code != 200:
                # A connection error has no status (0) and no text, only the error.
                r.failure(f"status {r.status_code}: {getattr(r, 'error', None) or (r.text or '')[:200]}")
                return
            answer = r.json()
            if [a.get("product_id") for a in answer] != [p["product_id"] for p in items]:
                r.failure("product ids not echoed in order")
            elif labels is not None and not all(a.get(label) in labels for a in answer):
                r.failure(f"a {label} outside {sorted(labels)}")

    @task(10)
    def one_product(self) -> None:
        self._post("/predict", [random.choice(PRODUCTS)], "/predict [1 product]", "pattern", None)

    @task(1)
    def batch(self) -> None:
        size = random.choice(BATCH_SIZES)
        self._post("/predict", random.sample(PRODUCTS, size), f"/predict [{size} products]", "pattern", None)

    @task(3)
    def one_photo(self) -> None:
        self._post("/predict/category", [random.choice(PHOTOS)], "/predict/category [1 photo]", "category", _GROUPS)

    @task(1)
    def photo_batch(self) -> None:
        items = random.sample(PHOTOS, PHOTO_BATCH)
        self._post("/predict/category", items, f"/predict/category [{PHOTO_BATCH} photos]", "category", _GROUPS)


_ENVIRONMENT: list[Environment] = []


@events.init.add_listener
def _remember(environment: Environment, **_: object) -> None:
    _ENVIRONMENT.append(environment)


@events.quit.add_listener
def _write_final_stats(**_: object) -> None:
    """Write `<csv prefix>_stats.csv` from the final figures, those of the table locust just printed.

    Locust rewrites the file once a second and only closes it at exit, so it misses up to a
    second of requests (locust issues #1806, #2299); `quit` fires after the table is printed and
    before locust closes its files, with every user stopped."""
    environment = _ENVIRONMENT[-1] if _ENVIRONMENT else None
    prefix = getattr(environment and environment.parsed_options, "csv_prefix", None)
    if environment is None or not prefix:
        return
    with open(f"{prefix}_stats.csv", "w", newline="") as f:
        StatsCSV(environment, PERCENTILES_TO_REPORT).requests_csv(csv.writer(f))
