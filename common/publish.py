"""Publishing CloudEvents through the local sidecar."""

from __future__ import annotations

import json
from typing import Any

import httpx
from django.conf import settings

from common import direct_redis
from common.dapr_names import PUBSUB
from common.sidecar_client import sidecar_client


class PublishError(RuntimeError):
    """The sidecar did not accept the event."""


async def publish_cloudevent(
    topic: str, event_id: str, event_type: str, source: str, data: dict[str, Any]
) -> None:
    """Publishes `data` as a structured CloudEvent whose id we choose (Dapr keeps it)."""
    if settings.TODO_BACKEND == "direct":
        return await direct_redis.deliver(data)
    envelope = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": event_type,
        "datacontenttype": "application/json",
        "data": data,
    }
    try:
        response = await sidecar_client().post(
            f"/v1.0/publish/{PUBSUB}/{topic}",
            content=json.dumps(envelope),
            headers={"content-type": "application/cloudevents+json"},
        )
    except httpx.HTTPError as error:
        raise PublishError(f"publish to {topic} failed: {error!r}") from error
    if not response.is_success:
        raise PublishError(f"publish to {topic} failed: {response.status_code} {response.text}")
