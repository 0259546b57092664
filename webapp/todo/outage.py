"""A state-store outage anywhere in a page or task view answers 503 with a message.

task_errors covers what happens inside a task view; this covers the rest, above all the
session that login_required loads before any view runs: without it, a sidecar that does
not answer in time (under overload, say) turned into a 500 with a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

from common.state import StateError
from webapp.todo.views import STORAGE_UNAVAILABLE, error

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

    async def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not isinstance(exception, StateError):
            return None
        logger.warning("state store unavailable", exc_info=exception)
        return error(request, 503, STORAGE_UNAVAILABLE)
