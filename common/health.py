"""Liveness and readiness endpoints shared by every service.

/healthz says the process serves requests; /readyz adds that its sidecar is ready, so an
orchestrator only routes traffic to an instance that can reach its Dapr building blocks.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from common import observability_urls
from common.dapr.metadata import outbound_ready


@require_GET
async def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "alive"})


@require_GET
async def readyz(request: HttpRequest) -> JsonResponse:
    ready, reason = await outbound_ready()
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
