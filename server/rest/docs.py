"""The API docs at /docs, served whole by the server itself: no request of the page leaves it.

Litestar's render plugins load their UI from public CDNs by default (scripts, CSS, favicon,
Google fonts); on a corporate network or an air-gapped cluster the page then stays blank. Here
Swagger UI (`/docs`, also `/docs/swagger`) loads its files from `/docs/assets/`, served from the
Swagger UI dist build that the `drf-spectacular-sidecar` package ships (pinned in pyproject.toml;
only its files are read: the package itself, a Django app, is never imported). The schema is
embedded in the page, and also served at `/docs/openapi.json`.

Redoc, which the package also ships, is not offered: its bundle always loads the Redocly logo
from cdn.redoc.ly. tests/server/test_docs_offline.py renders the page in headless Chromium and fails on
any request that leaves the server."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from server.rest.openapi import BodyLimits, ContractOpenAPIConfig
from server.settings import ServerSettings

DOCS_PATH = "/docs"
ASSETS_PATH = "/assets"  # under DOCS_PATH
ASSETS_PACKAGE = "drf_spectacular_sidecar"


def assets_dir() -> Path:
    """Swagger UI's dist files in the package, found without importing it (its __init__ imports Django)."""
    spec = importlib.util.find_spec(ASSETS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{ASSETS_PACKAGE} is not installed: the API docs need its files (pyproject.toml)")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / ASSETS_PACKAGE / "swagger-ui-dist"


def swagger_ui(assets_url: str) -> SwaggerRenderPlugin:
    return SwaggerRenderPlugin(
        js_url=f"{assets_url}/swagger-ui-bundle.js",
        css_url=f"{assets_url}/swagger-ui.css",
        standalone_preset_js_url=f"{assets_url}/swagger-ui-standalone-preset.js",
        path=["/", "/swagger"],
        # Litestar's default favicon is on a CDN too.
        favicon=f"<link rel='icon' type='image/png' href='{assets_url}/favicon-32x32.png'>",
    )


def openapi_config(settings: ServerSettings) -> ContractOpenAPIConfig:
    """The app's OpenAPI config: the schema with the app's endpoints (its `endpoints` plugin, which
    the app registers) and the settings' request limits, and docs pages whose every file comes
    from this server."""
    assets = create_static_files_router(
        path=ASSETS_PATH,
        directories=[assets_dir()],
        name="docs-assets",
        # The files change only with the pinned package: a browser may keep them for a day.
        cache_control=CacheControlHeader(max_age=86_400, public=True),
        include_in_schema=False,
    )
    return ContractOpenAPIConfig(
        title="Catalogue ML",
        version="1.0.0",
        path=DOCS_PATH,
        openapi_router=Router(DOCS_PATH, route_handlers=[assets], include_in_schema=False),
        render_plugins=[swagger_ui(DOCS_PATH + ASSETS_PATH)],
        body_limits=BodyLimits(max_field_chars=settings.max_field_chars, max_base64_bytes=settings.max_image_bytes),
    )
