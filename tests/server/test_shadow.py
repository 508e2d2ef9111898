"""Shadow traffic (server/shadow.py): a model's inputs scored again by its shadow, off the response
path. In-process first (fake models, then the app factory with real artifacts), in milliseconds:
answers and their order unchanged, agreement and the shadow's labels counted per batch, shadow work
dropped beyond its bound without delaying answers, failures counted and never answered, pending
work cancelled at shutdown, and pairs that cannot work reported in readiness. Then the real server
(gunicorn, 2 workers) with a challenger that disagrees: counts summed across workers equal the
agreement computed from each model's own answers, a burst sheds shadow work while every
request is answered correctly, and SIGTERM under load exits at once and cleanly."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import msgspec
import numpy as np
import onnx
import pandas as pd
import pytest
from litestar.testing import AsyncTestClient
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from contract.artifact import ONNX_FILE, read_metadata, sha256_of, write_metadata
from inference.predictions import Predictions
from server.app import create_app
from server.metrics.model import ModelMetrics
from server.settings import ServerSettings, SettingsError
from server.shadow import Mirror, MirroredBatcher
from tests.conftest import ROOT
from tests.metrics_text import metric_sum
from tests.server_process import Server, running_server

ARTIFACTS = ROOT / "artifacts"
CHALLENGER = "pattern-challenger"
LABELS = ["A", "B", "C"]


# Fakes: a "model" labels an item by its first letter; a shadow can disagree on chosen items.


def _labels_of(items: Sequence[str]) -> Predictions:
    labels = [item[0] for item in items]
    return Predictions(labels, np.zeros((len(labels), len(LABELS)), dtype=np.float32))


class FakeShadow:
    """The shadow's micro-batcher: answers "C" for items ending in "!", can hold or fail its calls."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[list[str]] = []
        self.release = asyncio.Event()
        self.release.set()
        self.fail = fail

    async def predict(self, items: list[str]) -> Predictions:
        self.calls.append(list(items))
        await self.release.wait()
        if self.fail:
            raise RuntimeError("shadow broke")
        return Predictions(
            ["C" if item.endswith("!") else item[0] for item in items], np.zeros((len(items), len(LABELS)))
        )


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(f"catalogue_{name}_total", labels) or 0.0


def _pair(tag: str, shadow: FakeShadow, limit: int = 1000) -> tuple[MirroredBatcher, Mirror, dict[str, str]]:
    """A model's mirrored batcher and its mirror, with metric labels of their own."""
    labels = {"model": f"model-{tag}", "shadow": f"shadow-{tag}"}
    batcher = MirroredBatcher(_labels_of, ModelMetrics(labels["model"], LABELS), 256, ThreadPoolExecutor(1))
    mirror = Mirror(labels["model"], labels["shadow"], LABELS, shadow.predict, limit)
    batcher.mirror = mirror
    return batcher, mirror, labels


async def _until(condition: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.001)


def test_answers_are_the_models_and_agreement_is_counted_per_item() -> None:
    shadow = FakeShadow()
    batcher, mirror, labels = _pair("agree", shadow)
    requests = [["A1", "B2!"], ["C3"], ["A4!", "A5", "B6"]]  # "!" items: the shadow answers C

    async def scenario() -> list[list[str]]:
        answers = await asyncio.gather(*(batcher.predict(r) for r in requests))
        await _until(lambda: mirror.pending == 0 and shadow.calls)
        return [a.labels for a in answers]

    assert asyncio.run(scenario()) == [["A", "B"], ["C"], ["A", "A", "B"]]
    assert shadow.calls == [[item for r in requests for item in r]]  # one batch, one hand-off, same order
    assert _sample("shadow_compared", **labels) == 6
    assert _sample("shadow_agreed", **labels) == 4
    shadow_answers = Counter(["A", "C", "C", "C", "A", "B"])
    for label in LABELS:
        assert _sample("shadow_predictions", **labels, label=label) == shadow_answers[label]
    assert _sample("shadow_dropped", **labels, reason="queue_full") == 0


def test_shadow_work_beyond_its_bound_is_dropped_and_answers_never_wait_for_it() -> None:
    shadow = FakeShadow()
    shadow.release.clear()  # the shadow holds every call until released
    batcher, mirror, labels = _pair("shed", shadow, limit=3)

    async def scenario() -> None:
        first = await asyncio.wait_for(batcher.predict(["A1", "A2"]), 2)  # taken: nothing was in shadow scoring
        assert first.labels == ["A", "A"] and mirror.in_use == 2
        second = await asyncio.wait_for(batcher.predict(["B1", "B2"]), 2)  # 2 + 2 > 3: dropped
        third = await asyncio.wait_for(batcher.predict(["C1"]), 2)  # 2 + 1 <= 3: taken
        assert second.labels == ["B", "B"] and third.labels == ["C"]
        assert mirror.in_use == 3
        shadow.release.set()
        await _until(lambda: mirror.pending == 0)
        assert mirror.in_use == 0
        big = await batcher.predict(["A"] * 10)  # over the bound, but nothing else in shadow scoring: taken
        assert len(big.labels) == 10
        await _until(lambda: mirror.pending == 0)

    asyncio.run(scenario())
    assert _sample("shadow_dropped", **labels, reason="queue_full") == 2
    assert _sample("shadow_compared", **labels) == 13 and _sample("shadow_agreed", **labels) == 13


def test_a_failing_shadow_is_counted_and_never_reaches_the_client(caplog: pytest.LogCaptureFixture) -> None:
    shadow = FakeShadow(fail=True)
    batcher, mirror, labels = _pair("fail", shadow)

    async def scenario() -> list[str]:
        answers = await batcher.predict(["A1", "B1"])
        await _until(lambda: mirror.pending == 0)
        again = await batcher.predict(["C1"])
        await _until(lambda: mirror.pending == 0)
        return answers.labels + again.labels

    assert asyncio.run(scenario()) == ["A", "B", "C"]
    assert _sample("shadow_dropped", **labels, reason="error") == 3
    assert _sample("shadow_compared", **labels) == 0
    failures = [r for r in caplog.records if r.getMessage() == "shadow scoring failed"]
    assert len(failures) == 1 and "shadow broke" in failures[0].__dict__["error"]  # once a minute, not per batch


def test_closing_cancels_pending_shadow_work_and_counts_it() -> None:
    shadow = FakeShadow()
    shadow.release.clear()
    batcher, mirror, labels = _pair("close", shadow)

    async def scenario() -> None:
        await batcher.predict(["A1", "A2", "A3"])
        assert mirror.pending == 1
        mirror.close()
        await _until(lambda: mirror.pending == 0)

    asyncio.run(scenario())
    assert mirror.in_use == 0
    assert _sample("shadow_dropped", **labels, reason="shutdown") == 3
    assert _sample("shadow_compared", **labels) == 0


def test_a_failed_model_call_is_not_mirrored() -> None:
    shadow = FakeShadow()
    labels = {"model": "model-broken", "shadow": "shadow-broken"}

    def broken(items: Sequence[str]) -> Predictions:
        raise RuntimeError("model broke")

    batcher = MirroredBatcher(broken, ModelMetrics(labels["model"], LABELS), 256, ThreadPoolExecutor(1))
    batcher.mirror = Mirror(labels["model"], labels["shadow"], LABELS, shadow.predict, 10)

    async def scenario() -> None:
        with pytest.raises(RuntimeError, match="model broke"):
            await batcher.predict(["A1"])

    asyncio.run(scenario())
    assert shadow.calls == [] and batcher.mirror.pending == 0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("pattern", r"SERVE_SHADOW_MODELS: 'pattern' is not a pair: expected <model>=<shadow>"),
        ("pattern=", r"SERVE_SHADOW_MODELS: 'pattern=' is not a pair"),
        ("pattern=pattern", r"SERVE_SHADOW_MODELS: model 'pattern' cannot shadow itself"),
        ("pattern=a,pattern=b", r"SERVE_SHADOW_MODELS: model 'pattern' has two shadows, 'a' and 'b': one per model"),
        ("pattern=a,a=b", r"SERVE_SHADOW_MODELS: 'a' is both a model with a shadow and a shadow"),
    ],
)
def test_a_bad_shadow_setting_is_refused_naming_the_variable_and_the_form(value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        ServerSettings.from_env({"SERVE_SHADOW_MODELS": value})


def test_shadow_settings_are_read_from_the_environment() -> None:
    settings = ServerSettings.from_env(
        {"SERVE_SHADOW_MODELS": " pattern = x , category=y,", "SERVE_MAX_SHADOW_ITEMS": "5"}
    )
    assert settings.shadow_pairs == {"pattern": "x", "category": "y"} and settings.max_shadow_items == 5
    assert ServerSettings.from_env({}).shadow_pairs == {}
    with pytest.raises(SettingsError, match="SERVE_MAX_SHADOW_ITEMS"):
        ServerSettings.from_env({"SERVE_MAX_SHADOW_ITEMS": "0"})


# The app factory in-process, with real artifacts: every route that scores a model mirrors it.


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def copies(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed models, a copy of each under another name (a shadow that always agrees), and a
    pattern copy whose metadata names one label differently."""
    repository = tmp_path_factory.mktemp("copies")
    for name in ("pattern", "category"):
        shutil.copytree(ARTIFACTS / name, repository / name)
        shutil.copytree(ARTIFACTS / name, repository / f"{name}-copy")
    renamed = repository / "pattern-renamed"
    shutil.copytree(ARTIFACTS / "pattern", renamed)
    metadata = read_metadata(renamed)
    write_metadata(renamed, msgspec.structs.replace(metadata, labels=[*metadata.labels[:-1], "Striped"]))
    return repository


@pytest.fixture
async def mirrored(copies: Path) -> AsyncIterator[AsyncTestClient]:
    settings = ServerSettings(artifact_dir=copies, shadow_models="pattern=pattern-copy,category=category-copy")
    async with AsyncTestClient(create_app(settings)) as client:
        yield client


PRODUCTS: list[dict[str, Any]] = [
    {"name": "Floral Midi Dress", "description": "A floral print;cotton", "product_id": 1},
    {"name": "Striped Shirt Dress", "description": "Stripes;button front", "product_id": "b"},
    {"name": "Leopard Print Dress", "description": "Animal print", "product_id": 3},
]
# A 16×16 PNG, a dark top on white.
IMAGE = (
    "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAAAAAA6mKC9AAAAIklEQVR42mP8z4AKmND4"
    "DCwMDAwM8lDOQ2wqho4AI0HfAgAksAMfMNpBhAAAAABJRU5ErkJggg=="
)


async def _poll_metrics(client: AsyncTestClient, condition: Any, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        text = (await client.get("/metrics")).text
        if condition(text) or time.monotonic() > deadline:
            return text
        await asyncio.sleep(0.01)


def _counts(text: str, model: str) -> tuple[float, float]:
    """Items compared and agreed for `model`'s shadow."""
    pair = {"model": model, "shadow": f"{model}-copy"}
    return metric_sum(text, "catalogue_shadow_compared_total", **pair), metric_sum(
        text, "catalogue_shadow_agreed_total", **pair
    )


@pytest.mark.anyio
async def test_every_route_scoring_a_model_mirrors_it(mirrored: AsyncTestClient) -> None:
    assert (await mirrored.get("/health/ready")).status_code == 200
    listed = {m["name"]: m for m in (await mirrored.get("/models")).json()}
    assert listed["pattern"]["shadow"] == "pattern-copy" and "shadow" not in listed["pattern-copy"]
    before = await _poll_metrics(mirrored, lambda _: True)  # other tests of this process counted too
    pattern, category = _counts(before, "pattern"), _counts(before, "category")

    answer = await mirrored.post("/predict", json=PRODUCTS)
    assert [p["product_id"] for p in answer.json()] == [1, "b", 3]
    assert (await mirrored.post("/infer", json=PRODUCTS[:1])).status_code == 200
    inputs = [
        {"name": field, "datatype": "BYTES", "shape": [2], "data": [p[field] for p in PRODUCTS[:2]]}
        for field in ("name", "description")
    ]
    assert (await mirrored.post("/v2/models/pattern/infer", json={"inputs": inputs})).status_code == 200
    assert (await mirrored.post("/v2/models/pattern-copy/infer", json={"inputs": inputs})).status_code == 200
    text = await _poll_metrics(mirrored, lambda t: _counts(t, "pattern")[0] >= pattern[0] + 6)
    # 3 + 1 + 2 products, all agreeing (a copy); the shadow's own route is not mirrored.
    assert _counts(text, "pattern") == (pattern[0] + 6, pattern[1] + 6)

    category_answer = await mirrored.post("/predict/category", json=[{"image": IMAGE, "product_id": 9}] * 2)
    assert category_answer.status_code == 200 and category_answer.json()[0]["product_id"] == 9
    text = await _poll_metrics(mirrored, lambda t: _counts(t, "category")[0] >= category[0] + 2)
    assert _counts(text, "category") == (category[0] + 2, category[1] + 2)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("pairs", "problem"),
    [
        ("pattern=nowhere", "shadow 'nowhere' of model 'pattern': no model directory 'nowhere' under"),
        ("nowhere=pattern", "shadow 'pattern' of model 'nowhere': no model directory 'nowhere' under"),
        ("pattern=category", "'category' is of kind image-classification, 'pattern' of kind text-classification"),
        ("pattern=pattern-renamed", "only 'pattern-renamed' has ['Striped'], only 'pattern' has ['Stripe']"),
    ],
)
async def test_a_pair_that_cannot_work_keeps_the_worker_unready_and_the_model_serving(
    copies: Path, pairs: str, problem: str
) -> None:
    async with AsyncTestClient(create_app(ServerSettings(artifact_dir=copies, shadow_models=pairs))) as client:
        ready = await client.get("/health/ready")
        assert ready.status_code == 503 and problem in ready.json()["detail"]
        answer = await client.post("/predict", json=PRODUCTS)
        assert answer.status_code == 200 and len(answer.json()) == 3


# The real server, with a challenger trained here that disagrees with the committed model sometimes.


def _train_challenger(data_dir: Path, model_dir: Path) -> None:
    """A smaller, differently regularised pipeline than the committed model's, exported with the
    project's own conversion, its metadata the committed model's with this model's file and tokenizer."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import Pipeline

    from training.pattern.data import load_products
    from training.pattern.export.graph import convert_pipeline
    from training.pattern.pipeline import CLASSIFIER_STEP, VECTORIZER_STEP

    train = load_products(data_dir / "asos" / "exercise_train.tsv", "productIdentifier", "pattern")
    assert train.labels is not None
    pipeline = Pipeline(
        [
            (VECTORIZER_STEP, TfidfVectorizer(stop_words=sorted(ENGLISH_STOP_WORDS), min_df=3)),
            (CLASSIFIER_STEP, SGDClassifier(loss="hinge", alpha=3e-3, random_state=7)),
        ]
    )
    pipeline.fit(train.texts[::2], train.labels[::2])
    model, tokenizer = convert_pipeline(pipeline)
    model_dir.mkdir()
    onnx.save(model, model_dir / ONNX_FILE)
    digest = sha256_of(model_dir / ONNX_FILE)
    committed = read_metadata(ARTIFACTS / "pattern")
    assert [str(c) for c in pipeline.classes_] == committed.labels
    metadata = msgspec.structs.replace(
        committed,
        name=CHALLENGER,
        version=digest[:12],
        onnx_sha256=digest,
        input=msgspec.structs.replace(committed.input, tokenizer=tokenizer),
    )
    write_metadata(model_dir, metadata)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    repository = tmp_path_factory.mktemp("shadow-models")
    shutil.copytree(ARTIFACTS / "pattern", repository / "pattern")
    _train_challenger(data_dir, repository / CHALLENGER)
    return repository


@pytest.fixture(scope="module")
def products(data_dir: Path) -> list[dict[str, Any]]:
    frame = pd.read_csv(data_dir / "asos" / "exercise_test.tsv", sep="\t", keep_default_na=False)
    rows = frame.head(300)
    return [
        {"name": n, "description": d, "product_id": int(i)}
        for n, d, i in zip(rows["name"], rows["description"], rows["productId"], strict=True)
    ]


def _requests(products: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The products in requests of 1 to 5."""
    requests: list[list[dict[str, Any]]] = []
    start = 0
    while start < len(products):
        size = 1 + len(requests) % 5
        requests.append(products[start : start + size])
        start += size
    return requests


def _send_all(server: Server, requests: list[list[dict[str, Any]]], threads: int) -> list[httpx.Response]:
    def send(body: list[dict[str, Any]]) -> httpx.Response:
        with httpx.Client(timeout=60) as client:  # a new connection each time spreads them over workers
            return client.post(server.url + "/predict", json=body)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(send, requests))


def _v2_labels(server: Server, model: str, products: list[dict[str, Any]]) -> list[str]:
    inputs = [
        {"name": field, "datatype": "BYTES", "shape": [len(products)], "data": [p[field] for p in products]}
        for field in ("name", "description")
    ]
    answer = httpx.post(f"{server.url}/v2/models/{model}/infer", json={"inputs": inputs}, timeout=60)
    assert answer.status_code == 200, answer.text
    (label,) = [o for o in answer.json()["outputs"] if o["name"] == "label"]
    return label["data"]


def _scrape_until(server: Server, condition: Any, timeout: float = 30.0) -> str:
    """/metrics, polled until `condition` holds (shadow work finishes after the answers)."""
    deadline = time.monotonic() + timeout
    while True:
        text = httpx.get(server.url + "/metrics", headers={"Connection": "close"}).text
        if condition(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def _writers(server: Server) -> set[str]:
    return {m.group(1) for p in server.metrics_dir.iterdir() if (m := re.search(r"counter_(\d+)\.db$", p.name))}


PAIR = {"model": "pattern", "shadow": CHALLENGER}


@pytest.fixture(scope="module")
def unshadowed_answers(
    tmp_path_factory: pytest.TempPathFactory, repository: Path, products: list[dict[str, Any]]
) -> list[bytes]:
    with running_server(tmp_path_factory.mktemp("plain"), SERVE_ARTIFACT_DIR=str(repository)) as server:
        answers = _send_all(server, _requests(products), 8)
    assert all(a.status_code == 200 for a in answers)
    return [a.content for a in answers]


@pytest.mark.slow
def test_agreement_is_counted_across_workers_and_answers_are_unchanged(
    tmp_path: Path, repository: Path, products: list[dict[str, Any]], unshadowed_answers: list[bytes]
) -> None:
    requests = _requests(products)
    shadowed = f"pattern={CHALLENGER}"
    with running_server(
        tmp_path, workers=2, SERVE_ARTIFACT_DIR=str(repository), SERVE_SHADOW_MODELS=shadowed
    ) as server:
        answers = _send_all(server, requests, 8)
        assert [a.status_code for a in answers] == [200] * len(requests)
        assert [a.content for a in answers] == unshadowed_answers  # same answers, same order, byte for byte

        champion = [p["pattern"] for a in answers for p in a.json()]
        challenger = _v2_labels(server, CHALLENGER, products)  # the shadow's own route: not mirrored
        agreed = sum(c == s for c, s in zip(champion, challenger, strict=True))
        assert 0 < agreed < len(products), "the challenger should disagree on some products, not all"

        n = len(products)
        text = _scrape_until(server, lambda t: metric_sum(t, "catalogue_shadow_compared_total", **PAIR) >= n)
        assert len(_writers(server)) == 2, "both workers should have served and mirrored"
        assert metric_sum(text, "catalogue_shadow_compared_total", **PAIR) == n
        assert metric_sum(text, "catalogue_shadow_agreed_total", **PAIR) == agreed
        assert metric_sum(text, "catalogue_shadow_dropped_total", **PAIR) == 0  # 300 items never reach the bound
        for label, count in Counter(challenger).items():
            assert metric_sum(text, "catalogue_shadow_predictions_total", **PAIR, label=label) == count, label

        # The V2 route of the champion mirrors too: the same products again, the same agreement.
        assert _v2_labels(server, "pattern", products) == champion
        text = _scrape_until(server, lambda t: metric_sum(t, "catalogue_shadow_compared_total", **PAIR) >= 2 * n)
        assert metric_sum(text, "catalogue_shadow_compared_total", **PAIR) == 2 * n
        assert metric_sum(text, "catalogue_shadow_agreed_total", **PAIR) == 2 * agreed


@pytest.mark.slow
def test_a_burst_sheds_shadow_work_and_every_answer_stays_correct(
    tmp_path: Path, repository: Path, products: list[dict[str, Any]], unshadowed_answers: list[bytes]
) -> None:
    requests = _requests(products) * 4
    with running_server(
        tmp_path,
        workers=2,
        SERVE_ARTIFACT_DIR=str(repository),
        SERVE_SHADOW_MODELS=f"pattern={CHALLENGER}",
        SERVE_MAX_SHADOW_ITEMS="1",  # one item in shadow scoring per worker, or one batch when idle
    ) as server:
        answers = _send_all(server, requests, 24)
        assert [a.status_code for a in answers] == [200] * len(requests)
        assert [a.content for a in answers] == unshadowed_answers * 4

        total = sum(len(r) for r in requests)

        def accounted(text: str) -> float:  # every item mirrored is compared or dropped
            return metric_sum(text, "catalogue_shadow_compared_total", **PAIR) + metric_sum(
                text, "catalogue_shadow_dropped_total", **PAIR
            )

        text = _scrape_until(server, lambda t: accounted(t) >= total)
        assert accounted(text) == total
        dropped = metric_sum(text, "catalogue_shadow_dropped_total", **PAIR, reason="queue_full")
        assert dropped > 0, "a burst over a bound of one item should shed shadow work"
        assert metric_sum(text, "catalogue_shadow_dropped_total", **PAIR, reason="error") == 0
        assert 0 < metric_sum(text, "catalogue_shadow_compared_total", **PAIR) < total


@pytest.mark.slow
def test_pending_shadow_work_neither_delays_nor_breaks_the_workers_exit(tmp_path: Path, repository: Path) -> None:
    product = {"name": "Striped dress", "description": "Stripe;cotton", "product_id": 7}
    ok: list[int] = []
    stop = threading.Event()
    with running_server(
        tmp_path, workers=2, SERVE_ARTIFACT_DIR=str(repository), SERVE_SHADOW_MODELS=f"pattern={CHALLENGER}"
    ) as server:

        def load() -> None:
            with httpx.Client(timeout=30) as client:
                while not stop.is_set():
                    try:
                        if client.post(server.url + "/predict", json=[product] * 50).status_code == 200:
                            ok.append(1)
                    except httpx.HTTPError:
                        return  # the server has stopped accepting

        clients = [threading.Thread(target=load) for _ in range(8)]
        for client in clients:
            client.start()
        _scrape_until(server, lambda t: metric_sum(t, "catalogue_shadow_compared_total", **PAIR) >= 2000)
        stopping = time.monotonic()
        server.process.send_signal(signal.SIGTERM)  # under load: shadow work is pending in both workers
        server.process.wait(timeout=30)
        exit_seconds = time.monotonic() - stopping
        stop.set()
        for client in clients:
            client.join()
        log = server.log()
    assert server.process.returncode == 0 and exit_seconds < 10, (exit_seconds, log[-3000:])
    assert not re.search(r'"level":"(ERROR|CRITICAL)"|Traceback|Task was destroyed', log), log[-3000:]
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(server.metrics_dir))
    counted = {
        (s.name, s.labels.get("reason")): s.value
        for family in registry.collect()
        for s in family.samples
        if s.name.startswith("catalogue_shadow_") and s.labels.get("model") == "pattern"
    }
    mirrored = counted[("catalogue_shadow_compared_total", None)] + sum(
        value for (name, _), value in counted.items() if name == "catalogue_shadow_dropped_total"
    )
    assert mirrored >= 50 * len(ok) > 0  # every answered item was compared or counted as dropped
