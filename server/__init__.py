"""Serving: HTTP adapter (`rest/`) → handlers → model runtimes (`runtimes/`)."""
