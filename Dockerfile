# Serving image: onnxruntime + Litestar under gunicorn, no scikit-learn or torch.
#   docker build -t catalogue-ml .
#   docker run -p 8000:8000 catalogue-ml
# Other models: mount a directory of model folders and point SERVE_ARTIFACT_DIR at it:
#   docker run -p 8000:8000 -v /models:/models:ro -e SERVE_ARTIFACT_DIR=/models catalogue-ml

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml requirements.lock ./
# The serving packages only: the contract, inference and the HTTP service; no training code.
COPY contract ./contract
COPY inference ./inference
COPY server ./server
# Serving dependencies only (no extras), pinned by the lock file. drf-spectacular-sidecar is a
# Django app by packaging, and the server only reads its Swagger UI files (server/rest/docs.py):
# Django and its two dependencies (~55 MB) go. pip and setuptools are not needed to serve.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install -c requirements.lock . \
    && /opt/venv/bin/pip uninstall --yes django asgiref sqlparse setuptools pip

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=app:app artifacts ./artifacts
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000 \
    SERVE_ARTIFACT_DIR=/app/artifacts \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
USER app
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/health/ready', timeout=2)"]
ENTRYPOINT ["gunicorn", "-c", "python:server.gunicorn_conf", "server.app:create_server()"]
