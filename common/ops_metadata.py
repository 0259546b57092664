"""What each service tells the operator page: its sidecar's metadata and its event series.

Every service serves GET /ops/metadata, for webapp only, through Dapr service invocation;
the operator page reaches each service by app-id through its own sidecar, never by address.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from common import metrics
from common.dapr_callback import from_sidecar
from common.dapr_names import WEBAPP_APP_ID
from common.sidecar_client import sidecar_client

INVOKE_TIMEOUT = 3.0


class MetadataUnavailable(RuntimeError):
    """The sidecar (or, through invocation, another service) did not answer."""


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


async def sidecar_metadata() -> dict[str, Any]:
    try:
        response = await sidecar_client().get("/v1.0/metadata", timeout=INVOKE_TIMEOUT)
    except httpx.HTTPError as error:
        raise MetadataUnavailable(f"sidecar metadata: {error!r}") from error
    if not response.is_success:
        raise MetadataUnavailable(f"sidecar metadata: {response.status_code}")
    return dict(response.json())


@require_GET
@from_sidecar
async def ops_metadata(request: HttpRequest) -> JsonResponse:
    if request.headers.get("dapr-caller-app-id") != WEBAPP_APP_ID:
        return JsonResponse({"error": "only the webapp's operator page may ask"}, status=403)
    try:
        return JsonResponse(await own_metadata())
    except MetadataUnavailable as error:
        return JsonResponse({"error": str(error)}, status=502)


async def own_metadata() -> dict[str, Any]:
    """This service's answer: its sidecar's metadata and its event series."""
    sidecar = summarize(await sidecar_metadata())
    return {"app_id": settings.DAPR_APP_ID, "sidecar": sidecar, "events": metrics.snapshot()}


async def service_metadata(app_id: str) -> dict[str, Any]:
    """Invokes /ops/metadata on `app_id` through this service's sidecar."""
    try:
        response = await sidecar_client().get(
            f"/v1.0/invoke/{app_id}/method/ops/metadata", timeout=INVOKE_TIMEOUT
        )
    except httpx.HTTPError as error:
        raise MetadataUnavailable(f"{app_id}: {type(error).__name__}") from error
    if not response.is_success:
        raise MetadataUnavailable(f"{app_id}: {response.status_code} {response.text[:200]}")
    return dict(response.json())


async def all_services(app_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each service's metadata ({"healthy": False, "error": ...} for one that did not answer)."""

    async def one(app_id: str) -> dict[str, Any]:
        try:
            # Dapr does not name the caller when an app invokes itself: read our own directly.
            own = app_id == settings.DAPR_APP_ID
            return {"healthy": True, **await (own_metadata() if own else service_metadata(app_id))}
        except MetadataUnavailable as error:
            return {"healthy": False, "error": str(error)}

    results = await asyncio.gather(*(one(app_id) for app_id in app_ids))
    return dict(zip(app_ids, results, strict=True))
