"""`catalog {init,load-demo,extract,score}` over DATABASE_URL (default: SQLite in ./data).

A mistake (database URL, unreachable or missing database, missing data or model) is one line
on stderr naming it and what to do, exit 2; CATALOGUE_DEBUG=1 adds the traceback."""

from __future__ import annotations

import argparse
import os
import re
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
from sqlalchemy.exc import DBAPIError

from catalog.connection import explain, make_engine, safe_url
from catalog.errors import CatalogError
from catalog.photos import FetchSettings
from catalog.schema import add_failure_table, create_schema

if TYPE_CHECKING:
    from catalog.scoring import ScoreReport

PROG = "catalog"
DEBUG_ENV = "CATALOGUE_DEBUG"
FAILED = 1  # an unexpected error
MISTAKE = 2  # a mistake in the command or its environment (as argparse's usage errors)
INTERRUPTED = 130
EPILOG = (
    "DATABASE_URL selects the database: sqlite:///path/to/file.db or postgresql+psycopg://user:password@host:5432/db "
    "(postgres:// is read as postgresql+psycopg://); default sqlite:///data/catalog.db. "
    f"Exit status: 0 done; {MISTAKE} a mistake in the command or its environment (one line says which and how to fix "
    f"it); {FAILED} an unexpected error. {DEBUG_ENV}=1 also prints the traceback."
)


def debugging() -> bool:
    return os.environ.get(DEBUG_ENV, "").strip().lower() not in ("", "0", "false", "no")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        args.before(args)  # what can be checked before a database is opened (or a SQLite folder created)
        engine = make_engine()
        try:
            return args.handler(engine, args)
        finally:
            engine.dispose()
    except CatalogError as exc:
        return _fail(str(exc), MISTAKE)
    except DBAPIError as exc:
        return _fail(explain(exc), MISTAKE)
    except KeyboardInterrupt:
        return _fail("interrupted", INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - a bug: one line, the traceback on demand
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        what = f"unexpected {type(exc).__name__}: {lines[0] if lines else ''}"
        return _fail(f"{what} (set {DEBUG_ENV}=1 for the traceback)")


def _fail(message: str, code: int = FAILED) -> int:
    if debugging():
        traceback.print_exc()
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=f"database: {safe_url()}", epilog=EPILOG)
    parser.set_defaults(before=lambda args: None)
    sub = parser.add_subparsers(required=True)
    sub.add_parser("init", help="create the schema (idempotent)", epilog=EPILOG).set_defaults(handler=_init)
    demo = sub.add_parser(
        "load-demo",
        help="fill the catalogue from the ASOS TSVs in DATA_DIR (idempotent)",
        description="Insert every product of DATA_DIR/asos/exercise_{train,test}.tsv with its 4 image URLs and "
        "its us description; creates the schema if needed, and a re-run inserts nothing twice.",
        epilog=EPILOG,
    )
    demo.set_defaults(handler=_load_demo, before=_check_demo_files)
    extract = sub.add_parser(
        "extract",
        help="stream the extraction query as JSON lines",
        description="Print one JSON object per product: product_id, title, image_url (image index 0) and "
        "description (the translation, else the original text, in the country's language).",
        epilog=EPILOG,
    )
    extract.add_argument("--country", type=_country, default="us", help="two-letter country code (default: us)")
    extract.set_defaults(handler=_extract)
    score = sub.add_parser(
        "score",
        help="score every unscored product with an exported model (pattern: text; category: its photo)",
        description="Run an exported model over every product not yet scored by this model version and upsert "
        "product_prediction, committing chunk by chunk: a re-run scores nothing twice, a killed run resumes where "
        "it stopped. A text model reads title and description; an image model fetches each product's image-index-0 "
        "URL (http, https, file) on a pool of threads. A product whose photo is missing, unreachable, too large or "
        "corrupt gets no prediction but a scoring_failure row with the reason; the next run tries it again, up to "
        "--max-attempts times.",
        epilog=EPILOG,
    )
    score.add_argument(
        "--model",
        default="pattern",
        help="the model: a directory name under artifacts/ (default: pattern; category scores photos)",
    )
    score.add_argument(
        "--artifact-dir",
        type=Path,
        help="the exported model's directory (metadata.json and model.onnx, as `make export` writes it) instead of "
        "artifacts/<--model>",
    )
    score.add_argument(
        "--country",
        type=_country,
        default="us",
        help="two-letter country code of the descriptions to score with (default: us); a product without one "
        "is scored on its title alone",
    )
    score.add_argument(
        "--chunk-size",
        type=_positive_int,
        default=500,
        help="products read, scored and committed together: the unit a killed run resumes from (default: 500)",
    )
    score.add_argument(
        "--pause",
        type=_non_negative_float,
        default=0.0,
        help="seconds to sleep between chunks, to spare a busy database (default: 0)",
    )
    score.add_argument(
        "--max-attempts",
        type=_positive_int,
        default=3,
        help="runs that try a product that could not be scored before it is left alone (default: 3)",
    )
    defaults = FetchSettings()
    photos = score.add_argument_group("photos (image models)")
    photos.add_argument(
        "--fetch-workers",
        type=_positive_int,
        default=defaults.workers,
        help=f"photos fetched at once (decoded on as many threads as cores) (default: {defaults.workers})",
    )
    photos.add_argument(
        "--connect-timeout",
        type=_positive_float,
        default=defaults.connect_timeout,
        help=f"seconds to connect (default: {defaults.connect_timeout:g})",
    )
    photos.add_argument(
        "--read-timeout",
        type=_positive_float,
        default=defaults.read_timeout,
        help=f"seconds between two reads of an answer (default: {defaults.read_timeout:g})",
    )
    photos.add_argument(
        "--retries",
        type=_non_negative_int,
        default=defaults.retries,
        help="further attempts within a run after a timeout, a refused connection, 429 or 5xx, "
        f"with exponential backoff (default: {defaults.retries})",
    )
    photos.add_argument(
        "--max-image-bytes",
        type=_positive_int,
        default=defaults.max_bytes,
        help=f"larger photos are failures, as on the server (default: {defaults.max_bytes})",
    )
    spark = score.add_argument_group("Spark (--engine spark)")
    spark.add_argument(
        "--engine",
        choices=["local", "spark"],
        default="local",
        help="local: this process; spark: a PySpark job reading the products over JDBC in product_id ranges, "
        "scoring and writing on the executors (PostgreSQL only; default: local)",
    )
    spark.add_argument(
        "--spark-master",
        default="local[*]",
        help="the Spark master: local[N] on this machine, or a cluster's URL, e.g. spark://host:7077 "
        "(default: local[*])",
    )
    spark.add_argument(
        "--partitions",
        type=_positive_int,
        help="product_id ranges read and scored in parallel (default: twice the cores Spark has)",
    )
    spark.add_argument(
        "--jdbc-jar",
        type=Path,
        help="the PostgreSQL JDBC driver (default: CATALOG_JDBC_JAR, else Debian's /usr/share/java/postgresql.jar)",
    )
    score.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. when the output is a log)")
    score.set_defaults(handler=_score)
    return parser


def _country(text: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a two-letter country code such as us or gb")
    return text.lower()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 0")
    return value


def _positive_float(text: str) -> float:
    value = _non_negative_float(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds > 0")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0.0 or value == float("inf"):  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds >= 0")
    return value


def _data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR", "data"))


def _check_demo_files(args: argparse.Namespace) -> None:
    from catalog.demo import check_demo_files

    check_demo_files(_data_dir())


def _init(engine, args: argparse.Namespace) -> int:  # noqa: ANN001
    create_schema(engine)
    print(f"schema ready in {safe_url(engine.url)}", file=sys.stderr)
    return 0


def _load_demo(engine, args: argparse.Namespace) -> int:  # noqa: ANN001
    from catalog.demo import load_demo

    create_schema(engine)
    counts = load_demo(engine, _data_dir())
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
    from catalog.scorers import scorer_for
    from catalog.scoring import ScoreOptions, score_catalog
    from contract.artifact import ArtifactError
    from inference.kinds import load_runtime

    model_dir = args.artifact_dir or Path("artifacts") / args.model
    settings = FetchSettings(
        workers=args.fetch_workers,
        connect_timeout=args.connect_timeout,
        read_timeout=args.read_timeout,
        retries=args.retries,
        max_bytes=args.max_image_bytes,
    )
    try:
        scorer = scorer_for(load_runtime(model_dir), settings)
    except (ArtifactError, TypeError) as exc:
        raise CatalogError(
            f"no model to score with: {exc}: pass --model the name of a model directory under artifacts/ "
            "(pattern, category) or --artifact-dir an exported model (`make export` writes one)"
        ) from exc
    add_failure_table(engine)  # to a catalogue made before it existed
    options = ScoreOptions(args.country, args.chunk_size, args.pause, not args.no_progress, args.max_attempts)
    if args.engine == "spark":
        scorer.close()  # the model loaded: the executors load their own
        report = _score_with_spark(engine, model_dir, scorer.metadata, options, settings, args)
    else:
        try:
            report = score_catalog(engine, scorer, options)
        finally:
            scorer.close()
    print(summary(report, args.max_attempts), file=sys.stderr)
    return 0


def _score_with_spark(engine, model_dir, metadata, options, settings, args: argparse.Namespace):  # noqa: ANN001, ANN202
    from catalog.spark.job import SparkOptions, score_with_spark

    if options.pause_seconds:
        raise CatalogError("--pause throttles the local engine: with --engine spark, use fewer --partitions")
    spark = SparkOptions(args.spark_master, args.partitions, args.jdbc_jar)
    return score_with_spark(engine, model_dir, metadata, options, settings, spark)


def summary(report: ScoreReport, max_attempts: int) -> str:
    line = (
        f"scored {report.scored} products with {report.model_name} {report.model_version} in "
        f"{report.seconds:.2f} s ({report.products_per_second:,.0f} products/s)"
    )
    if report.failed:
        reasons = ", ".join(f"{reason} {n}" for reason, n in report.failed.most_common())
        line += (
            f"; {report.failed.total()} could not be scored ({reasons}): in table scoring_failure, tried again by "
            f"the next run up to {max_attempts} attempts"
        )
    if report.given_up:
        line += f"; {report.given_up} left alone after {max_attempts} failed attempts (scoring_failure)"
    return line
