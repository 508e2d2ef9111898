"""`create_app(settings)` builds the Litestar app; gunicorn serves `create_server()`, the app
inside the HTTP metrics middleware."""

from __future__ import annotations

import asyncio
import logging.config

from litestar import Litestar
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.prometheus import PrometheusController

from server.codecs.category import CategoryRequestDecoder
from server.codecs.errors import RequestError
from server.codecs.pattern import PatternRequestDecoder
from server.logs import logging_config
from server.metrics import HttpMetricsMiddleware
from server.registry import ModelRegistry
from server.rest import routes
from server.rest.errors import http_exception_handler, internal_error_handler, request_error_handler
from server.settings import ServerSettings


def create_server(settings: ServerSettings | None = None) -> HttpMetricsMiddleware:
    """What gunicorn runs. The metrics middleware wraps the app from outside: Litestar wraps each
    of its own middlewares in another exception-handling layer (a cost on every request), and
    from outside it also counts requests that match no route."""
    return HttpMetricsMiddleware(create_app(settings))


class MetricsController(PrometheusController):
    include_in_schema = False  # Prometheus text format, for scrapers, not API clients


def create_app(settings: ServerSettings | None = None) -> Litestar:
    settings = settings or ServerSettings.from_env()
    logging.config.dictConfig(logging_config(settings.log_level, settings.access_log))
    registry = ModelRegistry(settings.artifact_dir, settings.intra_op_threads, settings.max_batch_products)
    pattern_handlers = routes.pattern_routes(settings.max_products_per_request)
    category_handlers = routes.category_routes(settings.max_images_per_request, settings.max_category_body_bytes)

    async def load_models() -> None:
        # Started, not awaited: liveness answers while models load; readiness waits for them.
        # load_all records its own failures, so the future has nothing to retrieve.
        asyncio.get_running_loop().run_in_executor(None, registry.load_all)

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
        request_max_body_size=settings.max_body_bytes,
        exception_handlers={
            RequestError: request_error_handler,
            HTTPException: http_exception_handler,
            Exception: internal_error_handler,
        },
        openapi_config=OpenAPIConfig(
            title="Catalogue ML",
            version="1.0.0",
            path="/docs",
            render_plugins=[ScalarRenderPlugin()],
        ),
        state=State(
            {
                "settings": settings,
                "registry": registry,
                "pattern_decoder": PatternRequestDecoder(settings.max_products_per_request, settings.max_field_chars),
                "category_decoder": CategoryRequestDecoder(
                    settings.max_images_per_request, settings.max_image_bytes, settings.max_image_pixels
                ),
            }
        ),
        logging_config=None,  # logs.py configures logging for the whole process
        debug=False,
    )
