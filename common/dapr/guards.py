"""Guards for endpoints that only the Dapr sidecar calls (subscriptions, bindings, actors,
service invocation).

The sidecar sends no CSRF token, and the SDK does not check `dapr-api-token` on calls
into the app: when APP_API_TOKEN is set, `from_sidecar` does (daprd sends it on every call
into the app but its app health probe, so /healthz stays unguarded). Every view it guards
is marked `sidecar_only`, so a test can walk the URLconfs and find any sidecar-facing
route left without it (tests/unit/test_sidecar_routes.py). `from_app` adds the one check
of who called through service invocation: the receiving sidecar names the caller in
`dapr-caller-app-id` (authenticated with mTLS and access policies; without them the app
token is what keeps others out).

    @require_POST
    @from_app(SYNC_WORKER_APP_ID)
    async def session_user(request): ...
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable, Coroutine
from typing import Any

from django.conf import settings
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

AsyncView = Callable[..., Coroutine[Any, Any, HttpResponse]]

CALLER_HEADER = "dapr-caller-app-id"
TOKEN_HEADER = "dapr-api-token"  # noqa: S105 (a header name, not a secret)

# Sent on each refusal (kwargs `request`, `reason`), so the audit trail records it.
request_refused = Signal()


def from_sidecar(view: AsyncView) -> AsyncView:
    """Exempt `view` from CSRF and require the app API token when one is configured."""

    @functools.wraps(view)
    async def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        expected = settings.APP_API_TOKEN
        if expected:
            given = request.headers.get(TOKEN_HEADER, "")
            if not hmac.compare_digest(given.encode(), expected.encode()):
                request_refused.send(guarded, request=request, reason=f"no valid {TOKEN_HEADER}")
                return JsonResponse({"error": f"missing or wrong {TOKEN_HEADER}"}, status=401)
        return await view(request, *args, **kwargs)

    exempt = csrf_exempt(guarded)
    exempt.sidecar_only = True  # type: ignore[attr-defined]
    return exempt


def is_sidecar_only(view: object) -> bool:
    """Whether `view` (or the view it wraps) is guarded by `from_sidecar`."""
    return getattr(view, "sidecar_only", False) is True


def from_app(app_id: str) -> Callable[[AsyncView], AsyncView]:
    """`from_sidecar`, and 403 unless the calling sidecar says the caller is `app_id`."""

    def decorate(view: AsyncView) -> AsyncView:
        @functools.wraps(view)
        async def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            caller = request.headers.get(CALLER_HEADER, "")
            if caller != app_id:
                request_refused.send(
                    guarded, request=request, reason=f"caller {caller or 'unknown'} is not {app_id}"
                )
                return JsonResponse(
                    {"error": f"only {app_id} may call this (caller: {caller or 'unknown'})"},
                    status=403,
                )
            return await view(request, *args, **kwargs)

        return from_sidecar(guarded)

    return decorate
