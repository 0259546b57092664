"""Calling actor methods through the local sidecar (placement finds the hosting replica)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from common.sidecar import sidecar_http_url
from common.sidecar_client import sidecar_client

TIMEOUT_SECONDS = 30.0


class ActorCallFailed(RuntimeError):
    """The actor could not be reached or its method failed; the caller may retry."""


async def call(actor_type: str, actor_id: str, method: str, body: Any = None) -> Any:
    """Invokes `method` on actor `actor_type`/`actor_id` and returns its JSON answer."""
    url = (
        f"{sidecar_http_url()}/v1.0/actors/{quote(actor_type, safe='')}/"
        f"{quote(actor_id, safe='')}/method/{quote(method, safe='')}"
    )
    try:
        response = await sidecar_client().post(url, json=body, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        raise ActorCallFailed(f"{actor_type}/{actor_id}.{method}: {type(error).__name__}") from None
    if not response.is_success:
        raise ActorCallFailed(
            f"{actor_type}/{actor_id}.{method}: {response.status_code} {response.text[:300]}"
        )
    return response.json() if response.content else None
