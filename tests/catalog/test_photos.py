"""`catalog score --model category`: photos fetched from a loopback image host (with its 404s, slow
answers, corrupt and oversized files, transient errors) and from files, scored like the server
scores them, every bad photo recorded as a failure with its reason, retried up to a limit,
resumable after kill -9; on SQLite and a real PostgreSQL."""

from __future__ import annotations

import base64
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from sqlalchemy import Engine, insert, select

from catalog.connection import make_engine
from catalog.photos import FetchSettings, PhotoFailure, PhotoFetcher
from catalog.schema import create_schema, image, product, product_prediction, scoring_failure
from contract.image import photo_input
from tests.catalog.photo_site import PhotoSite, photo_site
from tests.catalog.test_scoring import CATALOG, catalog
from tests.conftest import ROOT
from tests.databases import database_url
from tests.server_process import running_server
from training.category.idx import Split
from training.category.photos import as_photo, encode

GOOD = 40  # photos the host serves: Fashion-MNIST test images as 112×112 photos, PNG and JPEG
FAST = FetchSettings(workers=8, connect_timeout=1.0, read_timeout=0.5, retries=1, backoff=0.01)
FAST_ARGS = ["--read-timeout", "0.5", "--connect-timeout", "1", "--retries", "1", "--no-progress"]


@pytest.fixture(scope="module")
def photos(fashion_test: Split) -> dict[str, bytes]:
    made = {}
    for n in range(GOOD):
        photo = as_photo(fashion_test.images[n], 112)
        if n % 2:
            made[f"/p/{n}.png"] = encode(photo)
        else:
            made[f"/p/{n}.jpg"] = encode(photo.convert("RGB"), "JPEG")
    return made


@pytest.fixture
def site(photos: dict[str, bytes]) -> Iterator[PhotoSite]:
    with photo_site(photos) as running:
        yield running


# ---- the fetcher ------------------------------------------------------------------------------


def _failure(fetcher: PhotoFetcher, url: str | None) -> PhotoFailure:
    with pytest.raises(PhotoFailure) as raised:
        fetcher.model_input(url)
    return raised.value


def test_a_photo_becomes_the_servers_model_input(site: PhotoSite, photos: dict[str, bytes]) -> None:
    fetcher = PhotoFetcher(FAST)
    for path, data in list(photos.items())[:4]:
        assert np.array_equal(fetcher.model_input(site.url + path), photo_input(data, FAST.max_pixels))


def test_each_bad_photo_fails_with_its_reason(site: PhotoSite, tmp_path: Path) -> None:
    fetcher = PhotoFetcher(FetchSettings(**{**FAST.__dict__, "max_bytes": 20_000}))
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG" + bytes(30_000))
    cases = {
        None: "no_image",
        "": "no_image",
        "ftp://example.com/a.png": "bad_url",
        site.url + "/p/missing.png": "not_found",
        site.url + "/error/1.png": "http_error",
        site.url + "/slow/p/1.png": "timeout",
        site.url + "/corrupt/1.png": "corrupt",
        site.url + "/bomb/1.png": "too_large",  # 36 Mpixel in 35 kB: refused from its header
        "http://127.0.0.1:9/refused.png": "unreachable",
        f"file://{tmp_path}/none.png": "not_found",
        big.as_uri(): "too_large",
    }
    for url, reason in cases.items():
        assert _failure(fetcher, url).reason == reason, url
    assert site.requests["/error/1.png"] == 2  # a 5xx is retried
    assert site.requests["/p/missing.png"] == 1  # a 404 is not


def test_oversized_answers_are_refused_before_their_body(site: PhotoSite, photos: dict[str, bytes]) -> None:
    small = PhotoFetcher(FetchSettings(**{**FAST.__dict__, "max_bytes": 1000}))
    failure = _failure(small, site.url + "/p/1.png")
    assert failure.reason == "too_large" and "limit 1000" in failure.detail


def test_transient_errors_are_retried(site: PhotoSite, photos: dict[str, bytes]) -> None:
    fetched = PhotoFetcher(FAST).fetch(site.url + "/flaky/1.png")
    assert fetched == photos["/p/1.png"] and site.requests["/flaky/1.png"] == 2
    site.flaky_failures = 5
    assert _failure(PhotoFetcher(FAST), site.url + "/flaky/3.png").reason == "http_error"
    assert site.requests["/flaky/3.png"] == 2  # 1 + --retries 1


def test_file_urls_are_read(tmp_path: Path, photos: dict[str, bytes]) -> None:
    path = tmp_path / "dress photo.png"
    path.write_bytes(photos["/p/1.png"])
    assert PhotoFetcher(FAST).fetch(path.as_uri()) == photos["/p/1.png"]


# ---- catalog score --model category, end to end ------------------------------------------------


def _bad_urls(site: PhotoSite, tmp_path: Path) -> dict[int, tuple[str | None, str]]:
    """product_id → (URL or None for no image, the reason it must fail with)."""
    return {
        1001: (None, "no_image"),
        1002: (site.url + "/p/missing.png", "not_found"),
        1003: (site.url + "/slow/p/1.png", "timeout"),
        1004: (site.url + "/corrupt/1.png", "corrupt"),
        1005: (site.url + "/bomb/1.png", "too_large"),
        1006: (site.url + "/error/1.png", "http_error"),
        1007: ("ftp://example.com/1.png", "bad_url"),
        1008: (f"file://{tmp_path}/gone.png", "not_found"),
    }


def _fill(url: str, site: PhotoSite, photos: dict[str, bytes], tmp_path: Path) -> dict[int, bytes]:
    """The catalogue: GOOD products with a photo on the host, one with a photo file, one behind a
    transient 503, and the bad ones; returns the good products' photo bytes."""
    good = {n: data for n, (_, data) in enumerate(sorted(photos.items()))}
    urls: dict[int, str | None] = {n: site.url + path for n, (path, _) in enumerate(sorted(photos.items()))}
    local = tmp_path / "photo 500.png"
    local.write_bytes(photos["/p/1.png"])
    urls[500], good[500] = local.as_uri(), photos["/p/1.png"]
    urls[501], good[501] = site.url + "/flaky/3.png", photos["/p/3.png"]
    urls |= {pid: bad_url for pid, (bad_url, _) in _bad_urls(site, tmp_path).items()}
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as connection:
        connection.execute(insert(product), [{"product_id": pid, "title": f"product {pid}"} for pid in urls])
        rows = [{"product_id": pid, "url": u, "image_index": 0} for pid, u in urls.items() if u is not None]
        connection.execute(insert(image), rows)
    engine.dispose()
    return good


def _rows(engine: Engine, table) -> list:  # noqa: ANN001
    with engine.connect() as connection:
        return list(connection.execute(select(table)).mappings())


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.mark.slow  # a server for the reference answers, four scoring runs
def test_score_category_like_the_server_and_record_every_bad_photo(
    database: str, site: PhotoSite, photos: dict[str, bytes], tmp_path: Path, env_with_data: dict
) -> None:
    good = _fill(database, site, photos, tmp_path)
    bad = _bad_urls(site, tmp_path)
    env = {**env_with_data, "DATABASE_URL": database}
    args = ["score", "--model", "category", "--chunk-size", "16", *FAST_ARGS]

    first = catalog(args, env)
    assert first.returncode == 0, first.stderr
    engine = make_engine(database)
    assert f"scored {len(good)} products with category" in first.stderr
    assert f"{len(bad)} could not be scored" in first.stderr and "up to 3 attempts" in first.stderr
    predictions = {row["product_id"]: row["label"] for row in _rows(engine, product_prediction)}
    failures = {row["product_id"]: row for row in _rows(engine, scoring_failure)}
    assert set(predictions) == set(good) and not set(predictions) & set(failures)
    assert {pid: row["reason"] for pid, row in failures.items()} == {pid: reason for pid, (_, reason) in bad.items()}
    assert all(row["attempts"] == 1 and row["detail"] for row in failures.values())
    assert failures[1002]["url"] == bad[1002][0] and failures[1001]["url"] is None

    # The server's own answers for the same photo bytes are the reference.
    body = [{"product_id": pid, "image": base64.b64encode(data).decode()} for pid, data in good.items()]
    (tmp_path / "server").mkdir()
    with running_server(tmp_path / "server") as server:
        answers = httpx.post(server.url + "/predict/category", json=body, timeout=60).json()
    assert {a["product_id"]: a["category"] for a in answers} == predictions

    # The next runs try the failures again, counting attempts, and leave them alone after 3.
    site.photos["/p/missing.png"] = photos["/p/1.png"]  # the host repaired one photo
    second = catalog(args, env)
    assert "scored 1 products" in second.stderr and f"{len(bad) - 1} could not be scored" in second.stderr
    failures = {row["product_id"]: row for row in _rows(engine, scoring_failure)}
    assert 1002 not in failures and {row["attempts"] for row in failures.values()} == {2}
    assert catalog(args, env).returncode == 0
    requests_before = site.requests.total()
    fourth = catalog(args, env)
    assert "scored 0 products" in fourth.stderr
    assert f"{len(bad) - 1} left alone after 3 failed attempts" in fourth.stderr
    assert site.requests.total() == requests_before  # nothing fetched again
    assert {row["attempts"] for row in _rows(engine, scoring_failure)} == {3}
    engine.dispose()


@pytest.mark.slow
def test_a_killed_photo_run_resumes_and_scores_every_product_once(
    database: str, site: PhotoSite, photos: dict[str, bytes], tmp_path: Path, env_with_data: dict
) -> None:
    good = _fill(database, site, photos, tmp_path)
    env = {**env_with_data, "DATABASE_URL": database}
    args = ["score", "--model", "category", "--chunk-size", "5", *FAST_ARGS]
    engine = make_engine(database)
    slow = subprocess.Popen(
        [CATALOG, *args, "--pause", "0.3"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while len(_rows(engine, product_prediction)) < 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    slow.send_signal(signal.SIGKILL)
    slow.wait()
    before = len(_rows(engine, product_prediction))
    assert 10 <= before < len(good)

    resumed = catalog(args, env)
    assert resumed.returncode == 0, resumed.stderr
    assert f"scored {len(good) - before} products" in resumed.stderr
    predictions = _rows(engine, product_prediction)
    assert sorted(row["product_id"] for row in predictions) == sorted(good)  # each once
    engine.dispose()


def test_score_refuses_a_model_it_cannot_load(database: str, env_with_data: dict) -> None:
    env = {**env_with_data, "DATABASE_URL": database}
    done = catalog(["score", "--model", "no-such-model"], env)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "artifacts/no-such-model" in done.stderr and "--model" in done.stderr
    for option, value in [("--retries", "-1"), ("--read-timeout", "0"), ("--max-attempts", "0")]:
        refused = catalog(["score", "--model", "category", option, value], env)
        assert refused.returncode == 2 and option in refused.stderr


def test_a_catalogue_made_before_the_failure_table_gets_it(database: str, env_with_data: dict) -> None:
    from sqlalchemy import inspect

    engine = make_engine(database)
    create_schema(engine)
    scoring_failure.drop(engine)
    done = catalog(["score", "--model", "category", "--no-progress"], {**env_with_data, "DATABASE_URL": database})
    assert done.returncode == 0, done.stderr
    assert inspect(engine).has_table("scoring_failure")
    engine.dispose()
