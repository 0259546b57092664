"""Each service's answer to GET /ops/metadata (common/ops_metadata.py), for the operator page."""

from __future__ import annotations

import asyncio
from typing import Any

from django.conf import settings

from common.dapr.errors import DaprError, raise_for_status
from common.dapr.invoke import invoke
from common.ops_metadata import own_metadata

INVOKE_TIMEOUT = 3.0


async def service_metadata(app_id: str) -> dict[str, Any]:
    """Invokes /ops/metadata on `app_id` through this service's sidecar; raises DaprError."""
    response = await invoke(app_id, "ops/metadata", timeout=INVOKE_TIMEOUT)
    raise_for_status(response, app_id)
    return dict(response.json())


async def all_services(app_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each service's metadata ({"healthy": False, "error": ...} for one that did not answer)."""

    async def one(app_id: str) -> dict[str, Any]:
        try:
            # Dapr does not name the caller when an app invokes itself: read our own directly.
            own = app_id == settings.DAPR_APP_ID
            return {"healthy": True, **await (own_metadata() if own else service_metadata(app_id))}
        except DaprError as error:
            return {"healthy": False, "error": str(error)}

    results = await asyncio.gather(*(one(app_id) for app_id in app_ids))
    return dict(zip(app_ids, results, strict=True))
