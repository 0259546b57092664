"""A state-store outage anywhere in a request answers 503 with a message, never a 500.

StateOutageMiddleware answers for every view, above all the session that login_required
loads before the view runs (a sidecar that did not answer in time, under overload, turned
into a 500 with a traceback); SessionMiddleware for the session's save after the view.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.contrib.sessions import middleware as sessions
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from common.dapr.errors import DaprError
from webapp.todo.views import STORAGE_UNAVAILABLE, error
from webapp.typed_request import HtmxHttpRequest

logger = logging.getLogger(__name__)


class StateOutageMiddleware:
    async_capable = True
    sync_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponse]]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(self.get_response):
            markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        return await self.get_response(request)

    def process_exception(
        self, request: HtmxHttpRequest, exception: Exception
    ) -> HttpResponse | None:
        """Synchronous, as Django runs every process_exception (in a worker thread)."""
        if not isinstance(exception, DaprError):
            return None
        logger.error("task storage unavailable", exc_info=exception)
        return error(request, 503, STORAGE_UNAVAILABLE)


class SessionMiddleware(sessions.SessionMiddleware):
    """Django's, answering 503 when the session cannot be saved (a retried write is
    applied once: every write carries an idempotency key)."""

    # django-stubs narrows both to HttpResponse; Django passes every response (streaming and
    # file ones too) and returns it.
    def process_response(  # type: ignore[override]
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        try:
            return super().process_response(request, response)  # type: ignore[arg-type]
        except DaprError:
            logger.exception("session not saved: task storage unavailable")
            # HtmxMiddleware, inside this one, set request.htmx on the way in.
            return error(cast(HtmxHttpRequest, request), 503, STORAGE_UNAVAILABLE)
