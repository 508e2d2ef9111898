"""/docs works where this service runs: with no internet. A real browser (Debian's headless
Chromium) renders the page from the real server, and every request the page makes must go to
that server: Swagger UI, its CSS and the favicon are served under /docs/assets/, none from a
CDN. The browser's own name lookups all fail (a resolver rule), as they would on an air-gapped
cluster, and its network log is read to catch any request of the page to another host."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import require_tool
from tests.server_process import Server, running_server

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-default-browser-check",
    "--no-first-run",
    # Any host name resolves to nothing, as on an air-gapped cluster: a page that needs a CDN shows blank.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
DOCS_PAGES = ["/docs", "/docs/swagger"]
# What only a rendered page shows: the operations' summaries and paths, drawn by Swagger UI's script.
RENDERED = ["Predict patterns", "Predict product categories from images", "/predict/category", "/health/ready"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("server"), workers=1) as running:
        yield running


def chromium() -> str:
    return require_tool("chromium", "apt-get install chromium (.ci/run installs it)")


def render(url: str, workdir: Path) -> tuple[str, list[str]]:
    """The DOM of `url` once its scripts have run, and the URL of every request the page made."""
    net_log = workdir / "net-log.json"
    result = subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={workdir / 'profile'}",
            f"--log-net-log={net_log}",
            "--virtual-time-budget=15000",  # virtual ms for scripts and timers to settle
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout, page_requests(net_log, url)


def page_requests(net_log: Path, url: str) -> list[str]:
    """URLs requested by the page: the browser's own traffic (updates, sign-in, autofill) is
    keyed to no site or to Google's and not initiated by the page's origin."""
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    matched = re.match(r"https?://[^/]+", url)
    assert matched is not None, url
    origin = matched.group(0)
    site = re.sub(r":\d+$", "", origin)
    requests = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] != start_job or "url" not in params:
            continue
        of_page = params.get("network_isolation_key", "").startswith(site)
        if params.get("initiator") == origin or (of_page and params.get("request_type") == "main frame"):
            requests.append(params["url"])
    return requests


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_docs_render_the_api_from_the_server_alone(server: Server, page: str, tmp_path: Path) -> None:
    dom, requests = render(server.url + page, tmp_path)
    # The page's inline script holds the schema itself: only what the UI drew counts.
    drawn = re.sub(r"<script\b.*?</script>", "", dom, flags=re.S)
    for text in RENDERED:
        assert text in drawn, f"{text!r} not rendered: the docs' assets did not load?\n{drawn[:3000]}"
    assert 'class="opblock-summary-path" data-path="/predict/category"' in drawn  # Swagger UI's operation row
    assert server.url + page in requests
    assets = [url for url in requests if url.startswith(server.url + "/docs/assets/")]
    assert {url.rsplit("/", 1)[1] for url in assets} >= {"swagger-ui-bundle.js", "swagger-ui.css"}
    elsewhere = [url for url in requests if not url.startswith(server.url + "/")]
    assert not elsewhere, f"the page requested other hosts: {elsewhere}"


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_docs_html_names_no_other_host(server: Server, page: str) -> None:
    html = httpx.get(server.url + page).text
    links = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html) + re.findall(r"url\(([^)]*)\)", html)
    assert links and all(link.startswith("/docs/assets/") for link in links), links
    head = html[html.index("<head>") : html.index("</head>")]
    assert "//" not in head, head  # no absolute or protocol-relative URL: scripts, styles, icons, fonts


def test_docs_assets_are_served_by_the_server(server: Server) -> None:
    expected = {
        "swagger-ui-bundle.js": "javascript",
        "swagger-ui-standalone-preset.js": "javascript",
        "swagger-ui.css": "text/css",
        "favicon-32x32.png": "image/png",
    }
    for name, media_type in expected.items():
        response = httpx.get(f"{server.url}/docs/assets/{name}")
        assert response.status_code == 200, name
        assert media_type in response.headers["content-type"]
        assert "max-age=86400" in response.headers["cache-control"]
        assert len(response.content) > 500
    missing = httpx.get(server.url + "/docs/assets/nothing-here.js")
    assert missing.status_code == 404 and missing.json()["status_code"] == 404
