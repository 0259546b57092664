"""JSON log lines: one object per line with the app id on every record, and the trace and
span ids and user id whenever they are known."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings


class AppIdFilter(logging.Filter):
    """Stamps each record with the Dapr app id so merged logs stay attributable."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.app_id = settings.DAPR_APP_ID
        return True


class TraceContextFilter(logging.Filter):
    """Adds trace_id and span_id of the current span, and the user id when already known.

    Fields are added only when known, so a record never claims a trace or a user it has not.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from common import request_context, tracing

        current = tracing.ids()
        if current is not None and not hasattr(record, "trace_id"):
            record.trace_id, record.span_id = current
        user_id = request_context.known_user_id(request_context.current_request.get())
        if user_id is not None and not hasattr(record, "user_id"):
            record.user_id = user_id
        return True


class OneLineExportErrors(logging.Filter):
    """The span exporter logs a full traceback on every failed batch (each few seconds while
    Zipkin is down or still starting): keep one warning line per failure instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.levelno >= logging.ERROR:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(error).__name__}: {error})"[:500]
            record.args = ()
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def logging_config(level: str) -> dict[str, Any]:
    """The LOGGING dict for Django: everything to stdout as JSON."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "app_id": {"()": "common.json_logging.AppIdFilter"},
            "trace_context": {"()": "common.json_logging.TraceContextFilter"},
            "one_line_export_errors": {"()": "common.json_logging.OneLineExportErrors"},
        },
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(app_id)s",
                "rename_fields": {"asctime": "timestamp", "levelname": "level", "name": "logger"},
                "datefmt": "%Y-%m-%dT%H:%M:%S%z",
            }
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": "json",
                "filters": ["app_id", "trace_context"],
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "django": {"level": level, "propagate": True},
            "daphne": {"level": "WARNING", "propagate": True},
            # One line per sidecar call would drown everything else.
            "httpx": {"level": "WARNING", "propagate": True},
            "httpcore": {"level": "WARNING", "propagate": True},
            "opentelemetry.sdk._shared_internal": {
                "level": "WARNING",
                "propagate": True,
                "filters": ["one_line_export_errors"],
            },
        },
    }
