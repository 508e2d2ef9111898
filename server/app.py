"""The app factory. `create_app(settings)` builds the Litestar app from the served models'
declarations (server/served_models/registered.py); gunicorn serves `create_server()`, the app
inside the admission middleware (in-flight bound, deadline, HTTP metrics)."""

from __future__ import annotations

import logging.config
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from litestar import Litestar
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.plugins.prometheus import PrometheusController

from server.admission import AdmissionMiddleware
from server.lifespan import worker_lifespan
from server.logs import logging_config
from server.metrics.http import HttpMetrics
from server.registry import ModelRegistry
from server.rest import docs, health, models
from server.rest.errors import http_exception_handler, internal_error_handler, request_error_handler
from server.served_models.declaration import ServedModel, ServingResources
from server.served_models.registered import SERVED_MODELS
from server.settings import ServerSettings
from server.wire.errors import RequestError


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


def create_app(settings: ServerSettings | None = None, served: Sequence[ServedModel] = SERVED_MODELS) -> Litestar:
    settings = settings or ServerSettings.from_env()
    logging.config.dictConfig(logging_config(settings.log_level, settings.access_log))
    registry = ModelRegistry(settings, served)
    # Image decoding runs here, off the event loop (Pillow releases the GIL while decoding).
    decode_pool = ThreadPoolExecutor(max_workers=settings.decode_threads, thread_name_prefix="decode")
    resources = ServingResources(settings, registry, decode_pool)
    return Litestar(
        route_handlers=[
            *(handler for model in served for handler in model.route_handlers(resources)),
            health.live,
            health.ready,
            models.models,
            MetricsController,
        ],
        dependencies={"registry": Provide(lambda: registry, use_cache=True, sync_to_thread=False)},
        lifespan=[worker_lifespan(registry, decode_pool)],
        request_max_body_size=settings.max_body_bytes,
        exception_handlers={
            RequestError: request_error_handler,
            HTTPException: http_exception_handler,
            Exception: internal_error_handler,
        },
        openapi_config=docs.openapi_config(settings),  # /docs, its assets served here too (no CDN)
        logging_config=None,  # logs.py configures logging for the whole process
        debug=False,
    )
