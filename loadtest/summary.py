"""Print the headline figures of a headless locust run from its `_stats.csv`."""

from __future__ import annotations

import csv
import sys
from pathlib import Path


def main(stats_csv: str) -> int:
    with Path(stats_csv).open() as f:
        rows = list(csv.DictReader(f))
    print(f"{'endpoint':<34} {'requests':>9} {'failures':>9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in rows:
        print(
            f"{row['Name']:<34} {row['Request Count']:>9} {row['Failure Count']:>9} "
            f"{float(row['Requests/s']):>8.1f} {row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    total = next(r for r in rows if r["Name"] == "Aggregated")
    return 1 if int(total["Failure Count"]) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
