"""The app factory. `create_app(settings)` builds the Litestar app: the model registry over the
served kinds (server/kinds/registered.py), the brief's routes (server/brief_api/registered.py);
gunicorn serves `create_server()`, the app inside the admission middleware (in-flight bound,
deadline, HTTP metrics)."""

from __future__ import annotations

import logging.config
from concurrent.futures import ThreadPoolExecutor

from litestar import Litestar
from litestar.di import Provide
from litestar.plugins.prometheus import PrometheusController

from server.admission import AdmissionMiddleware
from server.brief_api.registered import ROUTE_FACTORIES
from server.kinds.registered import SERVED_KINDS
from server.lifespan import worker_lifespan
from server.logs import logging_config
from server.metrics.http import HttpMetrics
from server.registry import ModelRegistry
from server.resources import ServingResources
from server.rest import docs, health, models
from server.rest.errors import EXCEPTION_HANDLERS
from server.settings import ServerSettings
from server.v2.routes import v2_router


def create_server(settings: ServerSettings | None = None) -> AdmissionMiddleware:
    """What gunicorn runs. The admission middleware wraps the app from outside: Litestar wraps
    each of its own middlewares in another exception-handling layer (a cost on every request);
    from outside, the HTTP metrics also count requests that match no route and requests the
    admission refused."""
    settings = settings or ServerSettings.from_env()
    app = create_app(settings)
    http_metrics = HttpMetrics(frozenset(route.path_format for route in app.routes))
    app.on_shutdown.append(http_metrics.flush)  # after the last request: nothing left unwritten
    return AdmissionMiddleware(app, settings, http_metrics)


class MetricsController(PrometheusController):
    include_in_schema = False  # Prometheus text format, for scrapers, not API clients


def create_app(settings: ServerSettings | None = None) -> Litestar:
    settings = settings or ServerSettings.from_env()
    logging.config.dictConfig(logging_config(settings.log_level, settings.access_log))
    registry = ModelRegistry(settings, SERVED_KINDS)
    # Image decoding runs here, off the event loop (Pillow releases the GIL while decoding).
    decode_pool = ThreadPoolExecutor(max_workers=settings.decode_threads, thread_name_prefix="decode")
    resources = ServingResources(settings, registry, decode_pool)
    openapi = docs.openapi_config(settings)  # /docs, its assets served here too (no CDN)
    return Litestar(
        route_handlers=[
            *(handler for routes in ROUTE_FACTORIES for handler in routes(resources)),
            health.live,
            health.ready,
            models.models,
            v2_router(resources),
            MetricsController,
        ],
        dependencies={"registry": Provide(lambda: registry, use_cache=True, sync_to_thread=False)},
        lifespan=[worker_lifespan(registry, decode_pool)],
        # A backstop for a route that lets Litestar read its body; the endpoints bind their own BodyLimit.
        request_max_body_size=settings.max_body_bytes,
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=openapi,
        plugins=[openapi.endpoints],  # collects the endpoints (the predict routes) for the document
        logging_config=None,  # logs.py configures logging for the whole process
        debug=False,
    )
