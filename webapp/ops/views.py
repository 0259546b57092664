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

from audit import publish as audit_publish
from audit import record as audit_record
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


async def _audit(request: HttpRequest, outcome: str, reason: str) -> None:
    record = audit_record.build(
        "ops.access", "page", request.path, outcome=outcome, reason=reason, request=request
    )
    await audit_publish.send(record)


def staff_only(view: View) -> View:
    """Anonymous users go to sign-in; signed-in users who are not staff get 403."""

    @functools.wraps(view)
    async def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = await request.auser()
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.user = user
        if not (user.is_active and user.is_staff):
            await _audit(request, "denied", "not staff")
            return HttpResponse("The operator page is for staff only.", status=403)
        await _audit(request, "success", "")
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
