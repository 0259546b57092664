"""Calling actor methods through the local sidecar (placement finds the hosting replica)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from common.dapr import client

TIMEOUT_SECONDS = 30.0


async def call(actor_type: str, actor_id: str, method: str, body: Any = None) -> Any:
    """Invokes `method` on actor `actor_type`/`actor_id` and returns its JSON answer.

    Raises DaprError (DaprUnavailable when the actor or its method failed: retry later).
    """
    path = (
        f"/v1.0/actors/{quote(actor_type, safe='')}/"
        f"{quote(actor_id, safe='')}/method/{quote(method, safe='')}"
    )
    response = await client.call(
        "POST", path, what=f"{actor_type}/{actor_id}.{method}", json=body, timeout=TIMEOUT_SECONDS
    )
    return response.json() if response.content else None
