"""Structured logs: one JSON object per line, for the app, gunicorn and uvicorn alike."""

from __future__ import annotations

import logging
import time
from typing import Any

import msgspec

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}
_encoder = msgspec.json.Encoder()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        # Fields passed with `extra=` become top-level keys.
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _encoder.encode(entry).decode()


def logging_config(level: str, access_log: bool) -> dict[str, Any]:
    """A `logging.config.dictConfig` for gunicorn's `logconfig_dict` and tests alike."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    # uvicorn formats an access line whenever its access logger has handlers (uvicorn-worker
    # copies gunicorn's onto it), so "off" must mean no handlers, not a higher level.
    access = {"level": "INFO", "handlers": ["stderr"] if access_log else [], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": access,
            "uvicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            "uvicorn.access": access,
        },
    }
