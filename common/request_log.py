"""One JSON log line per request: method, path, status, duration, user id and trace id.

Daphne's own access log is off (it is not JSON); this is the access log. The trace id
comes from the OpenTelemetry span around the request (json_logging adds it to the record).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from common.request_context import current_request
from common.request_metrics import view_label

logger = logging.getLogger("dapr_todo.requests")

# Probes every few seconds per service; their absence from the log is the healthy case.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class RequestLogMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(
        self,
        get_response: Callable[[HttpRequest], HttpResponseBase]
        | Callable[[HttpRequest], Awaitable[HttpResponseBase]],
    ) -> None:
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.async_mode:
            return self.__acall__(request)
        token = current_request.set(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            assert isinstance(response, HttpResponseBase)
            _log(request, response, started)
            return response
        finally:
            current_request.reset(token)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        token = current_request.set(request)
        started = time.perf_counter()
        try:
            response = await self.get_response(request)  # type: ignore[misc]
            _log(request, response, started)
            return response
        finally:
            current_request.reset(token)


def _log(request: HttpRequest, response: HttpResponseBase, started: float) -> None:
    if request.path in QUIET_PATHS and response.status_code < 400:
        return
    status = response.status_code
    level = logging.ERROR if status >= 500 else logging.INFO
    # The user id is added by json_logging's filter (from current_request), like the trace id.
    logger.log(
        level,
        "request",
        extra={
            "method": request.method,
            "path": request.path,
            "view": view_label(request),
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        },
    )
