"""Liveness and readiness endpoints shared by every service.

/healthz says the process serves requests; /readyz adds that its sidecar is ready and its
state stores answer (READINESS_STORES; pub/sub and locks share their Redis), so an
orchestrator only routes traffic to an instance that can reach its Dapr building blocks,
and an operator sees an outage of the store on every service's probe.
"""

from __future__ import annotations

import asyncio

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from common import observability_urls
from common.dapr.metadata import outbound_ready, store_reachable


@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "alive"})


@require_GET
async def readyz(request: HttpRequest) -> JsonResponse:
    ready, reason = await outbound_ready()
    if ready:
        checks = await asyncio.gather(*(store_reachable(s) for s in settings.READINESS_STORES))
        unreachable = [why for reachable, why in checks if not reachable]
        ready, reason = (False, "; ".join(unreachable)) if unreachable else (True, reason)
    status = 200 if ready else 503
    return JsonResponse(
        {"status": "ready" if ready else "not ready", "reason": reason}, status=status
    )


urlpatterns: list[URLPattern] = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    # Served wherever health is (every service), without touching each service's URLconf.
    *observability_urls.urlpatterns,
]
