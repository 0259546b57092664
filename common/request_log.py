"""One JSON log line per request: method, path, status, duration, user id and trace id.

Daphne's own access log is off (it is not JSON); this is the access log. The trace and user
ids are added to the record by json_logging's filter, like on every other line.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponseBase

from common.request_metrics import view_label
from common.tracing import UNTRACED_PATHS

logger = logging.getLogger("dapr_todo.requests")
# Probes and scrapes have a log of their own: they are not traced (common/tracing.py), so
# their lines carry no trace id, and an outage of a store fails every readiness probe.
probe_logger = logging.getLogger("dapr_todo.probes")

# Probes every few seconds per service; their absence from the log is the healthy case.
QUIET_PATHS = UNTRACED_PATHS


def log_request(request: HttpRequest, response: HttpResponseBase, seconds: float) -> None:
    status = response.status_code
    probe = request.path in QUIET_PATHS
    if probe and status < 400:
        return
    (probe_logger if probe else logger).log(
        logging.ERROR if status >= 500 else logging.INFO,
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "view": view_label(request),
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
        },
    )
