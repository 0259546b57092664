"""Reading CloudEvents that the sidecar delivers, and the answers Dapr understands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.http import JsonResponse

REQUIRED_ATTRIBUTES = ("id", "source", "type", "specversion")


class MalformedEvent(ValueError):
    """The body is not a CloudEvent this service can process; it must not be retried."""


@dataclass(frozen=True)
class CloudEvent:
    id: str
    type: str
    source: str
    topic: str
    data: Any
    traceparent: str


def parse_cloudevent(body: bytes) -> CloudEvent:
    """Parses a structured-mode CloudEvent (what Dapr pub/sub delivers by default)."""
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedEvent(f"body is not JSON: {error}") from None
    if not isinstance(envelope, dict):
        raise MalformedEvent("body is not a JSON object")
    missing = [name for name in REQUIRED_ATTRIBUTES if not envelope.get(name)]
    if missing:
        raise MalformedEvent(f"missing CloudEvent attributes: {', '.join(missing)}")
    return CloudEvent(
        id=str(envelope["id"]),
        type=str(envelope["type"]),
        source=str(envelope["source"]),
        topic=str(envelope.get("topic", "")),
        data=envelope.get("data"),
        traceparent=str(envelope.get("traceparent", "")),
    )


def success() -> JsonResponse:
    """Acknowledge: the event is processed (or was a harmless duplicate)."""
    return JsonResponse({"status": "SUCCESS"})


def drop() -> JsonResponse:
    """Never retry; with a deadLetterTopic on the subscription Dapr dead-letters it."""
    return JsonResponse({"status": "DROP"})


def retry() -> JsonResponse:
    """A transient failure: Dapr redelivers under the resiliency policy."""
    return JsonResponse({"status": "RETRY"})
