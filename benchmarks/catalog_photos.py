"""`catalog score --model category` end to end: products/s with photos as files and on a loopback
HTTP host (the standard library's threaded `http.server`, keep-alive, in this process), answering
at once or after a simulated network latency, for several fetch pool sizes. Each run scores a
fresh SQLite catalogue of Fashion-MNIST test images made 112×112 photos (half PNG, half JPEG),
through the real command.

    python -m benchmarks.catalog_photos [--products 2000] [--workers 1 4 16] [--latency 0.05]

Wall-clock on a shared machine: compare rows of the same run."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from benchmarks.paths import ROOT
from catalog.connection import make_engine
from catalog.schema import create_schema, image, product
from training.category.idx import load_split
from training.category.photos import as_photo, encode

CATALOG = str(Path(sys.executable).parent / "catalog")


def write_photos(directory: Path, count: int) -> list[str]:
    test = load_split(Path(os.environ.get("DATA_DIR", "data")) / "fashion-mnist", "test")
    names = []
    for n in range(count):
        photo = as_photo(test.images[n % len(test.images)], 112)
        name = f"{n}.png" if n % 2 else f"{n}.jpg"
        (directory / name).write_bytes(encode(photo) if n % 2 else encode(photo.convert("RGB"), "JPEG"))
        names.append(name)
    return names


def catalogue(path: Path, urls: list[str]) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as connection:
        connection.execute(insert(product), [{"product_id": n, "title": f"product {n}"} for n in range(len(urls))])
        connection.execute(insert(image), [{"product_id": n, "url": u, "image_index": 0} for n, u in enumerate(urls)])
    engine.dispose()
    return url


def products_per_second(url: str, workers: int) -> float:
    args = [CATALOG, "score", "--model", "category", "--no-progress", "--fetch-workers", str(workers)]
    done = subprocess.run(args, cwd=ROOT, env={**os.environ, "DATABASE_URL": url}, capture_output=True, text=True)
    found = re.search(r"scored (\d+) products .*\(([\d,]+) products/s\)", done.stderr)
    if done.returncode != 0 or not found or "could not be scored" in done.stderr:
        raise SystemExit(f"catalog score failed: {done.stderr.strip()}")
    return float(found.group(2).replace(",", ""))


@contextmanager
def photo_host(directory: Path, latency: float) -> Iterator[str]:
    class Handler(SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(directory), **kwargs)

        def do_GET(self) -> None:  # noqa: N802 - the standard library's name
            time.sleep(latency)  # a CDN's round trip, without using a core
            super().do_GET()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8, 32, 64, 128])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the host waits before each answer")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        photos = Path(work) / "photos"
        photos.mkdir()
        names = write_photos(photos, args.products)
        print(f"{args.products} products; products/s by photo source and --fetch-workers")
        print("| source | " + " | ".join(f"{w} workers" for w in args.workers) + " |")
        print("|---|" + "---|" * len(args.workers))
        with photo_host(photos, 0.0) as instant, photo_host(photos, args.latency) as distant:
            sources = {
                "file://": [(photos / name).as_uri() for name in names],
                "http, loopback": [f"{instant}/{name}" for name in names],
                f"http, {args.latency * 1000:g} ms latency": [f"{distant}/{name}" for name in names],
            }
            for number, (label, urls) in enumerate(sources.items()):
                rates: list[float] = []
                for workers in args.workers:
                    url = catalogue(Path(work) / f"{number}-{workers}.db", urls)
                    rates.append(products_per_second(url, workers))
                print(f"| {label} | " + " | ".join(f"{rate:,.0f}" for rate in rates) + " |")


if __name__ == "__main__":
    main()
