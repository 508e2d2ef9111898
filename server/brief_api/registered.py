"""The brief's routes, one factory per route family."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from server.brief_api.category.routes import category_routes
from server.brief_api.pattern.routes import pattern_routes
from server.resources import ServingResources

ROUTE_FACTORIES: tuple[Callable[[ServingResources], list[Any]], ...] = (pattern_routes, category_routes)
