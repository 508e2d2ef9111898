"""`create_app(settings)` builds the Litestar app; gunicorn serves `create_server()`, the app
inside the admission middleware (in-flight bound, deadline, HTTP metrics)."""

from __future__ import annotations

import asyncio
import gc
import logging.config
from concurrent.futures import ThreadPoolExecutor

from litestar import Litestar
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.plugins.prometheus import PrometheusController

from server.admission import AdmissionMiddleware
from server.codecs.category import CategoryRequestDecoder
from server.codecs.errors import RequestError
from server.codecs.pattern import PatternRequestDecoder
from server.logs import logging_config
from server.metrics import HttpMetrics
from server.registry import ModelRegistry
from server.rest import docs, routes
from server.rest.errors import http_exception_handler, internal_error_handler, request_error_handler
from server.settings import ServerSettings


def create_server(settings: ServerSettings | None = None) -> AdmissionMiddleware:
    """What gunicorn runs. The admission middleware wraps the app from outside: Litestar wraps
    each of its own middlewares in another exception-handling layer (a cost on every request);
    from outside, the HTTP metrics also count requests that match no route and requests the
    admission refused."""
    settings = settings or ServerSettings.from_env()
    app = create_app(settings)
    http_metrics = HttpMetrics(frozenset(route.path for route in app.routes))
    app.on_shutdown.append(http_metrics.flush)  # after the last request: nothing left unwritten
    return AdmissionMiddleware(app, settings, http_metrics)


class MetricsController(PrometheusController):
    include_in_schema = False  # Prometheus text format, for scrapers, not API clients


def create_app(settings: ServerSettings | None = None) -> Litestar:
    settings = settings or ServerSettings.from_env()
    logging.config.dictConfig(logging_config(settings.log_level, settings.access_log))
    registry = ModelRegistry(settings)
    # Image decoding runs here, off the event loop (Pillow releases the GIL while decoding).
    decode_pool = ThreadPoolExecutor(max_workers=settings.decode_threads, thread_name_prefix="decode")
    pattern_decoder = PatternRequestDecoder(settings.max_products_per_request, settings.max_field_chars)
    pattern_handlers = routes.pattern_routes(registry, pattern_decoder, decode_pool)
    category_decoder = CategoryRequestDecoder(
        settings.max_images_per_request,
        settings.max_image_bytes,
        settings.max_image_pixels,
        settings.max_request_pixels,
        settings.max_field_chars,
    )
    category_handlers = routes.category_routes(
        registry, category_decoder, decode_pool, settings.max_category_body_bytes
    )

    async def load_models() -> None:
        # Awaited: uvicorn starts accepting connections only after the startup hooks, so a new or
        # restarted worker takes no request before its models are loaded and warmed up (the
        # other workers serve meanwhile). load_all records its own failures: a worker whose model
        # failed still serves liveness and says why it is not ready.
        await asyncio.get_running_loop().run_in_executor(None, registry.load_all)
        # Everything alive now (app, models, libraries) lives as long as the worker: moved out of
        # the collector's sight, a full collection walks only request garbage. Without this each
        # gen-2 collection paused the worker ~35 ms, the single-product p99 (benchmarks/PROFILE.md).
        gc.freeze()

    async def stop_decoding() -> None:
        decode_pool.shutdown(wait=False, cancel_futures=True)

    return Litestar(
        route_handlers=[
            *pattern_handlers,
            *category_handlers,
            routes.live,
            routes.ready,
            routes.models,
            MetricsController,
        ],
        on_startup=[load_models],
        on_shutdown=[stop_decoding],
        request_max_body_size=settings.max_body_bytes,
        exception_handlers={
            RequestError: request_error_handler,
            HTTPException: http_exception_handler,
            Exception: internal_error_handler,
        },
        openapi_config=docs.openapi_config(settings),  # /docs, its assets served here too (no CDN)
        state=State(
            {
                "settings": settings,
                "registry": registry,
            }
        ),
        logging_config=None,  # logs.py configures logging for the whole process
        debug=False,
    )
