"""The headline figures of a headless locust run, read from its `_stats.csv`: the rows locust
wrote, printed as locust prints them (requests, failures, req/s with 2 decimals, percentiles in
whole ms), so they equal the table locust printed above. Exit 1 when a request failed or none
was made."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

COLUMNS = ("Request Count", "Failure Count", "Requests/s", "50%", "95%", "99%", "100%")


def read_rows(stats_csv: Path) -> list[dict[str, str]]:
    with stats_csv.open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or rows[-1]["Name"] != "Aggregated" or any(c not in rows[-1] for c in COLUMNS):
        raise ValueError(f"{stats_csv} is not a locust stats CSV")
    return rows


def _label(row: dict[str, str]) -> str:
    return f"{row['Type']} {row['Name']}".strip()


def table(rows: list[dict[str, str]]) -> list[str]:
    lines = [f"{'endpoint':<40} {'requests':>9} {'failures':>9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"]
    for row in rows:
        lines.append(
            f"{_label(row):<40} {row['Request Count']:>9} {row['Failure Count']:>9} "
            f"{float(row['Requests/s']):>8.2f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    return lines


def main(stats_csv: str) -> int:
    path = Path(stats_csv)
    try:
        rows = read_rows(path)
    except (OSError, ValueError, KeyError) as exc:
        print(f"loadtest: no locust statistics to summarise ({exc})", file=sys.stderr)
        return 1
    print("\n".join(table(rows)))
    total = rows[-1]
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    if not requests:
        print("loadtest: locust made no request: is the server reachable at the URL given?", file=sys.stderr)
        return 1
    if failures:
        print(f"loadtest: {failures} of {requests} requests failed (see locust's error report above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m loadtest.summary <prefix>_stats.csv")
    sys.exit(main(sys.argv[1]))
