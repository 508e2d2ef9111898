"""`make loadtest`: check the data and the server, run locust headless, print the summary.

Each problem a user can cause (no data, no server at URL, a server not ready or without a
model) stops the run before locust starts, with one line naming it and the remedy."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from loadtest import summary
from loadtest.bodies import MissingData, data_dir, photos, products

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
MODELS = ("pattern", "category")  # what the locustfile sends requests to


class NotReady(Exception):
    """The server at URL cannot take the load test."""


def _get(url: str, timeout: float) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def check_server(url: str, timeout: float = 5.0) -> None:
    if not url.startswith(("http://", "https://")):
        raise NotReady(f"URL={url} is not an http:// address: give the server's, e.g. URL=http://127.0.0.1:8000")
    base = url.rstrip("/")
    try:
        status, body = _get(f"{base}/health/ready", timeout)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NotReady(
            f"no server answering at {url} ({reason}): start one with `make serve` in another shell, "
            "or set URL to a running server (URL=http://host:port)"
        ) from exc
    if status == 503:
        detail = _detail(body)
        raise NotReady(f"the server at {url} is not ready ({detail}): wait until `make serve` says it is listening")
    if status != 200:
        raise NotReady(f"{base}/health/ready answered {status}: is URL={url} the catalogue server?")
    status, body = _get(f"{base}/models", timeout)
    loaded = {m.get("name") for m in json.loads(body)} if status == 200 else set()
    missing = [m for m in MODELS if m not in loaded]
    if missing:
        raise NotReady(
            f"the server at {url} serves no {' and no '.join(missing)} model: the load test calls both "
            "(artifacts/pattern/ and artifacts/category/, or SERVE_ARTIFACT_DIR)"
        )


def _detail(body: bytes) -> str:
    try:
        answer = json.loads(body)
        return f"{answer.get('status')}: {answer.get('detail')}"
    except (ValueError, AttributeError):
        return body[:200].decode(errors="replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.run")
    parser.add_argument("--url", required=True, help="the server under load, e.g. http://127.0.0.1:8000")
    parser.add_argument("--users", default="20")
    parser.add_argument("--spawn-rate", default="10")
    parser.add_argument("--duration", default="30s")
    parser.add_argument("--out", type=Path, default=Path("loadtest/reports"), help="CSV and HTML reports")
    args = parser.parse_args(argv)

    try:
        products(data_dir())
        photos(data_dir(), count=1)
        check_server(args.url)
    except (MissingData, NotReady) as exc:
        print(f"loadtest: {exc}", file=sys.stderr)
        return 2

    args.out.mkdir(parents=True, exist_ok=True)
    prefix = args.out / "run"
    stats_csv = Path(f"{prefix}_stats.csv")
    stats_csv.unlink(missing_ok=True)  # never summarise an earlier run's figures
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", args.url,
        "-u", args.users, "-r", args.spawn_rate, "-t", args.duration,
        "--csv", str(prefix), "--html", str(args.out / "report.html"), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    print(f"loadtest: {args.users} users against {args.url} for {args.duration}; reports in {args.out}/", flush=True)
    code = subprocess.run(command).returncode
    if not stats_csv.is_file():
        print(f"loadtest: locust exited {code} without statistics: see its output above", file=sys.stderr)
        return code or 1
    print(f"\nsummary of {stats_csv} (locust's own figures, as in its table above):", flush=True)
    return summary.main(str(stats_csv)) or code


if __name__ == "__main__":
    sys.exit(main())
