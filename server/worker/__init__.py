"""The gunicorn worker: uvicorn with guarded HTTP connections (timeouts, header and body-memory
limits) and a lame-duck drain on SIGTERM that loses no request."""
