"""The text of benchmarks/RESULTS.md: the tables of medians and per-round ratios, and the prose
that says how each figure was measured."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime

from benchmarks.measurement import Measurement, median, round_ratios
from benchmarks.options import Options
from benchmarks.servers import BARE, MLSERVER, OURS, OURS_V2, TEMPLATE

PRODUCT_PAYLOADS = ("1 product", "100 products")


def products_section(
    results: dict[tuple[str, str], list[Measurement]], options: Options, inprocess: str, machine: str
) -> str:
    """The header and the POST /predict tables: every server and payload, then the ratios."""
    medians = {key: median(ms) for key, ms in results.items()}
    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `make bench` "
        f"(`python -m benchmarks.run --duration {options.duration} --rounds {options.rounds} "
        f"--connections {options.connections}`) on {machine}.",
        "",
        "How: each server runs **one** gunicorn + uvicorn worker pinned to core 0 (`taskset -c 0`); "
        f"wrk runs on core 1 with one thread and {options.connections} keep-alive connections, posting "
        "request bodies drawn from the test TSV in rotation (200 single-product bodies, 20 bodies of "
        f"100 products). After a 2 s warm-up each measurement lasts {options.duration} s; the servers "
        f"are measured round-robin for {options.rounds} rounds and each figure is the median over rounds. "
        "RSS is the worker's resident memory after the load. The same products go to this server's "
        "Open Inference Protocol route (`/v2/models/pattern/infer`, inputs `name` and `description`, the "
        "`label` output only, as `/predict` answers) and to Seldon MLServer 1.7.1 (its scikit-learn runtime "
        "serving the template's pickled pipeline over the same protocol, one input `text`; installed by "
        "`make bench` in a virtualenv of its own, inference in its server process, pinned to core 0 like the "
        "others; its RSS is its whole process tree).",
        "",
        "| server | payload | requests/s | products/s | p50 ms | p90 ms | p99 ms | shed (503) | errors "
        "| worker RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (name, payload), m in medians.items():
        products = m.rps * (100 if payload.startswith("100") else 1)
        lines.append(
            f"| {name} | {payload} | {m.rps:,.0f} | {products:,.0f} | {m.p50_ms:.2f} | {m.p90_ms:.2f} | "
            f"{m.p99_ms:.2f} | {m.shed} | {m.errors} | {m.rss_mib:.0f} |"
        )
    lines += [
        "",
        "## Ratios",
        "",
        "Requests/s ratios are taken within each round (the servers measured a minute apart, on the "
        "same machine state), then the median over rounds; the per-round values show the spread.",
        "",
        "| payload | this / template | per round | this / bare ceiling | per round | p99 this / bare | per round |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_ratio_row(results, payload) for payload in PRODUCT_PAYLOADS]
    lines += [
        "",
        "| payload | V2 route / `/predict` | per round | this (`/predict`) / MLServer | per round "
        "| this (V2) / MLServer | per round |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [_protocol_row(results, payload) for payload in PRODUCT_PAYLOADS]
    lines += [
        "",
        "Targets (single product, one worker): at least 8x the template and at least 0.6x the bare ceiling "
        f"in requests/s; p99 at {options.connections} connections within 2x the bare ceiling's; the V2 route "
        "within 10% of `/predict`; at least 7x MLServer. "
        "How the hot path was profiled and what each change bought: [PROFILE.md](PROFILE.md).",
        "",
        inprocess,
    ]
    return "\n".join(lines) + "\n"


def _ratio_row(results: dict[tuple[str, str], list[Measurement]], payload: str) -> str:
    ours = results[(OURS, payload)]
    return _row(
        payload,
        (round_ratios(ours, results[(TEMPLATE, payload)]), 1),
        (round_ratios(ours, results[(BARE, payload)]), 2),
        (round_ratios(ours, results[(BARE, payload)], "p99_ms"), 1),
    )


def _protocol_row(results: dict[tuple[str, str], list[Measurement]], payload: str) -> str:
    ours, v2, mlserver = (results[(name, payload)] for name in (OURS, OURS_V2, MLSERVER))
    return _row(
        payload,
        (round_ratios(v2, ours), 2),
        (round_ratios(ours, mlserver), 1),
        (round_ratios(v2, mlserver), 1),
    )


def _row(payload: str, *ratios: tuple[list[float], int]) -> str:
    """A table row: for each ratio, its median and its per-round values, to `digits` decimals."""
    cells = [
        f"{statistics.median(values):.{digits}f}x | {', '.join(f'{v:.{digits}f}' for v in values)}"
        for values, digits in ratios
    ]
    return f"| {payload} | " + " | ".join(cells) + " |"


def category_section(results: dict[int, list[Measurement]], options: Options, inprocess: str) -> str:
    """POST /predict/category: images per second for each number of images per request."""
    lines = [
        "",
        "## Category model: POST /predict/category",
        "",
        "Same set-up (one worker on core 0, wrk on core 1, "
        f"{options.connections} connections, {options.rounds} rounds, medians). Each image is a Fashion-MNIST test "
        "image made into a product photo: inverted and upscaled to 112×112, PNG, base64 in JSON; the server "
        "decodes, fits it back into 28×28 (contract/image.py) and runs the ONNX CNN.",
        "",
        "| images per request | answered requests/s | images/s | p50 ms | p90 ms | p99 ms | shed (503) | errors "
        "| worker RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for n, ms in results.items():
        m = median(ms)
        lines.append(
            f"| {n} | {m.ok_rps:,.0f} | {m.ok_rps * n:,.0f} | {m.p50_ms:.2f} | {m.p90_ms:.2f} | {m.p99_ms:.2f} | "
            f"{m.shed} | {m.errors} | {m.rss_mib:.0f} |"
        )
    lines += [
        "",
        f"With {options.connections} connections of 32 images each, more images wait than a worker takes on "
        "(`SERVE_MAX_QUEUED_IMAGES`): the excess is answered 503 + Retry-After at once (the shed column) "
        "instead of queueing; images/s counts answered images only.",
    ]
    lines += ["", inprocess]
    return "\n".join(lines) + "\n"
