"""The operator page (staff only) and the JSON it polls."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Coroutine
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from common import dapr_names
from common.dapr.metadata import outbound_ready
from webapp.ops.services import all_services

View = Callable[..., Coroutine[Any, Any, HttpResponse]]
APP_IDS = [
    dapr_names.WEBAPP_APP_ID,
    dapr_names.SYNC_WORKER_APP_ID,
    dapr_names.BINDINGS_WORKER_APP_ID,
]
POLL_SECONDS = 2


def staff_only(view: View) -> View:
    """Anonymous users go to sign-in; signed-in users who are not staff get 403."""

    @functools.wraps(view)
    async def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = await request.auser()
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_active and user.is_staff):
            return HttpResponse("The operator page is for staff only.", status=403)
        request.user = user
        return await view(request, *args, **kwargs)

    return guarded


@require_GET
@staff_only
async def page(request: HttpRequest) -> HttpResponse:
    return render(request, "ops/page.html", {"app_ids": APP_IDS, "poll_ms": POLL_SECONDS * 1000})


@require_GET
@staff_only
async def data(request: HttpRequest) -> JsonResponse:
    """One sample for the charts: each service through invocation, plus our own sidecar."""
    ready, reason = await outbound_ready()
    services = await all_services(APP_IDS)
    return JsonResponse(
        {
            "time": time.time(),
            "reporter": settings.DAPR_APP_ID,
            "own_sidecar": {"ready": ready, "reason": reason},
            "services": services,
        }
    )
