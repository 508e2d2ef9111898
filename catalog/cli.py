"""`catalog {init,load-demo,extract,score}` over DATABASE_URL (default: SQLite in ./data)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import msgspec

from catalog.database import create_schema, database_url, make_engine


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    engine = make_engine()
    try:
        return args.handler(engine, args)
    finally:
        engine.dispose()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="catalog", description=f"database: {_safe_url()}")
    sub = parser.add_subparsers(required=True)
    sub.add_parser("init", help="create the schema (idempotent)").set_defaults(handler=_init)
    demo = sub.add_parser("load-demo", help="fill the catalogue from the ASOS TSVs in DATA_DIR")
    demo.set_defaults(handler=_load_demo)
    extract = sub.add_parser("extract", help="stream the extraction query as JSON lines")
    extract.add_argument("--country", default="us")
    extract.set_defaults(handler=_extract)
    score = sub.add_parser("score", help="score every unscored product with the exported pattern model")
    score.add_argument("--artifact-dir", type=Path, default=Path("artifacts") / "pattern")
    score.add_argument("--country", default="us")
    score.add_argument("--chunk-size", type=int, default=500)
    score.add_argument("--pause", type=float, default=0.0, help="seconds to sleep between chunks (throttle)")
    score.add_argument("--no-progress", action="store_true")
    score.set_defaults(handler=_score)
    return parser


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(database_url()).render_as_string(hide_password=True)


def _init(engine, args: argparse.Namespace) -> int:  # noqa: ANN001
    create_schema(engine)
    print(f"schema ready in {_safe_url()}", file=sys.stderr)
    return 0


def _load_demo(engine, args: argparse.Namespace) -> int:  # noqa: ANN001
    from catalog.demo import load_demo

    create_schema(engine)
    counts = load_demo(engine, Path(os.environ.get("DATA_DIR", "data")))
    print("inserted " + ", ".join(f"{n} {what}" for what, n in counts.items()), file=sys.stderr)
    return 0


def _extract(engine, args: argparse.Namespace) -> int:  # noqa: ANN001
    from catalog.queries import extract_products

    encoder = msgspec.json.Encoder()
    out = sys.stdout.buffer
    try:
        for row in extract_products(engine, args.country):
            out.write(encoder.encode(dict(row)) + b"\n")
        out.flush()
    except BrokenPipeError:  # `catalog extract | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
    return 0


def _score(engine, args: argparse.Namespace) -> int:  # noqa: ANN001
    from catalog.scoring import score_catalog
    from server.runtimes.pattern import PatternRuntime

    report = score_catalog(
        engine, PatternRuntime(args.artifact_dir), args.country, args.chunk_size, args.pause, not args.no_progress
    )
    print(
        f"scored {report.scored} products with {report.model_name} {report.model_version} in "
        f"{report.seconds:.2f} s ({report.products_per_second:,.0f} products/s)",
        file=sys.stderr,
    )
    return 0
