"""The one error a user can cause in the catalogue jobs (URL, database, data, model): its message
is one line naming the mistake and what to do; `catalog` prints it and exits 2."""

from __future__ import annotations


class CatalogError(Exception):
    """A mistake in the command or its environment (URL, database, data, model): the message
    is one line naming it and what to do."""
