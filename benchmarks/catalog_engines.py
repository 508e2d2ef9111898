"""`catalog score` with the local engine and with `--engine spark` in local mode on 1 and 2 cores,
on a PostgreSQL catalogue of the demo products repeated to `--products`, each run on a fresh copy
of the unscored catalogue. The category model reads 2,000 Fashion-MNIST photos (112×112, PNG and
JPEG) as `file://` URLs, in rotation. Spark's figure includes its start (JVM, Python workers), as
a scheduled job pays it.

    python -m benchmarks.catalog_engines [--products 200000] [--model pattern|category]

Needs the local PostgreSQL (TEST_POSTGRES_URL's server) and the spark extra."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pandas as pd
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from benchmarks.catalog_photos import write_photos
from benchmarks.paths import ROOT
from catalog.connection import make_engine
from catalog.schema import create_schema, image, product, product_description

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
CATALOG = os.path.join(os.path.dirname(sys.executable), "catalog")
RUNS = {
    "local engine (one process)": [],
    "spark, local[1]": ["--engine", "spark", "--spark-master", "local[1]"],
    "spark, local[2]": ["--engine", "spark", "--spark-master", "local[2]"],
}


def fill(url: str, count: int, photos: list[str] | None = None) -> None:
    data = os.path.join(os.environ.get("DATA_DIR", "data"), "asos")
    demo = pd.concat([pd.read_table(os.path.join(data, f"exercise_{s}.tsv")) for s in ("train", "test")])
    texts = list(zip(demo["name"], demo["description"].fillna(""), strict=True))
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as connection:
        for start in range(0, count, 20_000):
            ids = range(start, min(start + 20_000, count))
            connection.execute(insert(product), [{"product_id": n, "title": texts[n % len(texts)][0]} for n in ids])
            rows = [{"product_id": n, "country_code": "us", "original_text": texts[n % len(texts)][1]} for n in ids]
            connection.execute(insert(product_description), rows)
            if photos:
                images = [{"product_id": n, "url": photos[n % len(photos)], "image_index": 0} for n in ids]
                connection.execute(insert(image), images)
    engine.dispose()


def products_per_second(url: str, args: list[str]) -> float:
    done = subprocess.run(
        [CATALOG, "score", "--no-progress", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
    )
    found = re.search(r"\(([\d,]+) products/s\)", done.stderr.splitlines()[-1] if done.stderr else "")
    if done.returncode != 0 or not found:
        raise SystemExit(f"catalog score {' '.join(args)} failed: {done.stderr[-2000:]}")
    return float(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=200_000)
    parser.add_argument("--model", choices=["pattern", "category"], default="pattern")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        photos = None
        if args.model == "category":
            directory = Path(work)
            photos = [(directory / name).as_uri() for name in write_photos(directory, 2000)]
        measure(args.products, args.model, photos)


def measure(products: int, model: str, photos: list[str] | None) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"catalog_bench_{uuid.uuid4().hex[:8]}"
    template = f"{name}_template"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{template}"'))
    try:
        fill(make_url(ADMIN_URL).set(database=template).render_as_string(hide_password=False), products, photos)
        print(f"{products:,} products, {model} model; products/s including start-up")
        print("| engine | products/s |\n|---|---|")
        for label, extra in RUNS.items():
            with admin.connect() as connection:  # a fresh, unscored copy for each run
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
            print(f"| {label} | {products_per_second(url, ['--model', model, *extra]):,.0f} |", flush=True)
    finally:
        with admin.connect() as connection:
            for database in (name, template):
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
