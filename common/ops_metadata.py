"""What each service tells the operator page: its sidecar's metadata and its event series.

Every service serves GET /ops/metadata, for webapp only, through Dapr service invocation;
webapp's operator page (webapp/ops/) reaches each service by app-id, never by address.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from common import metrics
from common.dapr.errors import DaprError
from common.dapr.guards import from_app
from common.dapr.metadata import sidecar_metadata
from common.dapr_names import WEBAPP_APP_ID


def summarize(metadata: dict[str, Any]) -> dict[str, Any]:
    """The parts of Dapr's metadata API an operator watches."""
    connection = metadata.get("appConnectionProperties") or {}
    return {
        "runtime_version": metadata.get("runtimeVersion", ""),
        "components": sorted(
            f"{c.get('name')} ({c.get('type')})" for c in metadata.get("components") or []
        ),
        "subscriptions": sorted(
            f"{s.get('pubsubname')}/{s.get('topic')}" for s in metadata.get("subscriptions") or []
        ),
        "actors": {a.get("type"): a.get("count", 0) for a in metadata.get("actors") or []},
        "actor_runtime": (metadata.get("actorRuntime") or {}).get("runtimeStatus", ""),
        "placement": (metadata.get("actorRuntime") or {}).get("placement", ""),
        "app_health": (connection.get("health") or {}).get("healthCheckPath", ""),
    }


@require_GET
@from_app(WEBAPP_APP_ID)
async def ops_metadata(request: HttpRequest) -> JsonResponse:
    try:
        return JsonResponse(await own_metadata())
    except DaprError as error:
        return JsonResponse({"error": str(error)}, status=502)


async def own_metadata() -> dict[str, Any]:
    """This service's answer: its sidecar's metadata and its event series; raises DaprError."""
    sidecar = summarize(await sidecar_metadata())
    return {"app_id": settings.DAPR_APP_ID, "sidecar": sidecar, "events": metrics.snapshot()}
