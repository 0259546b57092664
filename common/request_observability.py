"""The middleware that observes every request: its latency by view (Prometheus) and its
access-log line (JSON), both with the request's trace context.

Outermost of the project's middleware, so it times and sees the whole request; the
request's span is already open (OpenTelemetry's ASGI middleware wraps Django).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from common import tracing
from common.request_context import current_request
from common.request_log import log_request
from common.request_metrics import observe_request


class RequestObservabilityMiddleware:
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
            _observe(request, response, started)
            return response
        finally:
            current_request.reset(token)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        token = current_request.set(request)
        started = time.perf_counter()
        try:
            response = await cast(Awaitable[HttpResponseBase], self.get_response(request))
            _observe(request, response, started)
            return response
        finally:
            current_request.reset(token)


def _observe(request: HttpRequest, response: HttpResponseBase, started: float) -> None:
    seconds = time.perf_counter() - started
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        tracing.name_server_span(request.method or "HTTP", match.route)
    observe_request(request, response, seconds)
    log_request(request, response, seconds)
