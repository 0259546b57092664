"""Publishing CloudEvents through the local sidecar's pub/sub."""

from __future__ import annotations

import json
from typing import Any

from common.dapr import client
from common.dapr_names import PUBSUB


async def publish_cloudevent(
    topic: str, event_id: str, event_type: str, source: str, data: dict[str, Any]
) -> None:
    """Publishes `data` as a structured CloudEvent whose id we choose (Dapr keeps it).

    Raises DaprError when the sidecar did not take it.
    """
    envelope = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": event_type,
        "datacontenttype": "application/json",
        "data": data,
    }
    await client.call(
        "POST",
        f"/v1.0/publish/{PUBSUB}/{topic}",
        what=f"publish to {topic}",
        content=json.dumps(envelope),
        headers={"content-type": "application/cloudevents+json"},
    )
