"""Who may call an endpoint through service invocation (the caller's app-id)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from common.dapr_callback import AsyncView

CALLER_HEADER = "dapr-caller-app-id"


def only_from(app_id: str) -> Callable[[AsyncView], AsyncView]:
    """Answers 403 unless the calling sidecar says the caller is `app_id`.

    The header is set by the receiving sidecar; with mTLS and access policies it is
    authenticated, without them the app token (from_sidecar) is what keeps others out.
    """

    def decorate(view: AsyncView) -> AsyncView:
        @functools.wraps(view)
        async def guarded(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            caller = request.headers.get(CALLER_HEADER, "")
            if caller != app_id:
                return JsonResponse(
                    {"error": f"only {app_id} may call this (caller: {caller or 'unknown'})"},
                    status=403,
                )
            return await view(request, *args, **kwargs)

        return guarded

    return decorate
