"""Django's own middleware, run on the event loop instead of a worker thread.

Django 5.2 runs every hook of a MiddlewareMixin middleware through
`sync_to_async(thread_sensitive=True)` when the request is async: each request hops to
the one shared worker thread and back a dozen times, queueing behind every other
request's hops. The hooks wrapped here only read and set headers and cookies (no I/O), so
they run inline. SessionMiddleware is not among them: its response hook may save the
session, which is blocking I/O.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, cast

from csp import middleware as csp_middleware
from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.http import HttpRequest, HttpResponseBase
from django.middleware import clickjacking, common, csrf, security

# For the type checker, the mixin is what it always comes before (get_response and all).
if TYPE_CHECKING:
    from django.utils.deprecation import MiddlewareMixin as _Middleware
else:
    _Middleware = object


class InlineHooks(_Middleware):
    """Mixin: MiddlewareMixin's __acall__ (used for async requests), calling the hooks directly."""

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        # __acall__ runs only when get_response is async.
        response = response or await cast(Awaitable[HttpResponseBase], self.get_response(request))
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class SecurityMiddleware(InlineHooks, security.SecurityMiddleware):
    pass


class CommonMiddleware(InlineHooks, common.CommonMiddleware):
    pass


class CsrfViewMiddleware(InlineHooks, csrf.CsrfViewMiddleware):
    # Async where Django's is sync, on purpose: Django awaits a coroutine hook.
    async def process_view(  # type: ignore[override]
        self, request: HttpRequest, callback: Any, callback_args: Any, callback_kwargs: Any
    ) -> HttpResponseBase | None:
        """Async, so the handler calls it without a thread hop; the check itself is CPU only."""
        return super().process_view(request, callback, callback_args, callback_kwargs)


class AuthenticationMiddleware(InlineHooks, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(InlineHooks, messages.MessageMiddleware):
    pass


class XFrameOptionsMiddleware(InlineHooks, clickjacking.XFrameOptionsMiddleware):
    pass


class CSPMiddleware(InlineHooks, csp_middleware.CSPMiddleware):
    pass
