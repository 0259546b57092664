"""Calling actor methods through the local sidecar (placement finds the hosting replica)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from dapr.clients.http.dapr_actor_http_client import DaprActorHttpClient
from dapr.serializers import Serializer

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


def _reminder_path(actor_type: str, actor_id: str, name: str) -> str:
    return (
        f"/v1.0/actors/{quote(actor_type, safe='')}/{quote(actor_id, safe='')}"
        f"/reminders/{quote(name, safe='')}"
    )


async def register_reminder(
    actor_type: str, actor_id: str, name: str, due: datetime, failure_policy: dict[str, Any]
) -> None:
    """A one-shot reminder `name` of the actor at `due`; raises DaprError.

    An absolute RFC 3339 due time: the SDK's timedelta form rounds seconds up (5.6 s
    becomes "6s600ms"), which would make reminders up to a second late.
    """
    body = {
        "dueTime": due.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": "",
        "failurePolicy": failure_policy,
    }
    await client.call(
        "PUT",
        _reminder_path(actor_type, actor_id, name),
        what=f"register reminder {actor_type}/{actor_id}/{name}",
        json=body,
    )


async def unregister_reminder(actor_type: str, actor_id: str, name: str) -> None:
    """Removes reminder `name` of the actor; raises DaprError (also when it has fired)."""
    await client.call(
        "DELETE",
        _reminder_path(actor_type, actor_id, name),
        what=f"unregister reminder {actor_type}/{actor_id}/{name}",
    )


async def runtime_client(serializer: Serializer, timeout_seconds: int) -> DaprActorHttpClient:
    """The client the SDK's actor runtime keeps actor state with, made off the event loop:
    the SDK's constructor waits for the sidecar's health (DAPR_HEALTH_TIMEOUT)."""
    return await asyncio.to_thread(DaprActorHttpClient, serializer, timeout=timeout_seconds)
