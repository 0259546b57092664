"""Request latency by view, as a Prometheus histogram."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from common.metrics import REQUEST_LATENCY

UNMATCHED = "unmatched"  # one label for every 404 path, so scanners cannot add series


def view_label(request: HttpRequest) -> str:
    """The URL name of the view that served `request` (or its route)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.view_name or match.route or UNMATCHED


class RequestMetricsMiddleware:
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
        started = time.perf_counter()
        response = self.get_response(request)
        assert isinstance(response, HttpResponseBase)
        self._observe(request, response, started)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = await self.get_response(request)  # type: ignore[misc]
        self._observe(request, response, started)
        return response

    @staticmethod
    def _observe(request: HttpRequest, response: HttpResponseBase, started: float) -> None:
        REQUEST_LATENCY.labels(
            view=view_label(request), method=request.method or "", status=response.status_code
        ).observe(time.perf_counter() - started)
