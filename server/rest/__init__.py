"""The HTTP adapter: thin Litestar routes over handlers and the model registry."""
