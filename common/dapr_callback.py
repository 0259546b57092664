"""Guards for endpoints that only the Dapr sidecar calls (subscriptions, bindings, actors).

The sidecar sends no CSRF token, and the SDK does not check `dapr-api-token` on calls
into the app: when APP_API_TOKEN is set, this decorator does.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

AsyncView = Callable[..., Awaitable[HttpResponse]]


def from_sidecar(view: AsyncView) -> AsyncView:
    """Exempt `view` from CSRF and require the app API token when one is configured."""

    @functools.wraps(view)
    async def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        expected = settings.APP_API_TOKEN
        if expected:
            given = request.headers.get("dapr-api-token", "")
            if not hmac.compare_digest(given.encode(), expected.encode()):
                return JsonResponse({"error": "missing or wrong dapr-api-token"}, status=401)
        return await view(request, *args, **kwargs)

    return csrf_exempt(guarded)
