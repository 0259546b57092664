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


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedEvent(f"body is not JSON: {error}") from None


def parse_cloudevent(body: bytes) -> CloudEvent:
    """Parses a structured-mode CloudEvent (what Dapr pub/sub delivers by default)."""
    return cloudevent_from(_json(body))


def cloudevent_from(envelope: Any) -> CloudEvent:
    """A CloudEvent from its parsed JSON; raises MalformedEvent."""
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


# The status Dapr understands for a delivered event (alone, or per entry of a bulk).
SUCCESS, RETRY, DROP = "SUCCESS", "RETRY", "DROP"


def success() -> JsonResponse:
    """Acknowledge: the event is processed (or was a harmless duplicate)."""
    return JsonResponse({"status": SUCCESS})


def drop() -> JsonResponse:
    """Never retry; with a deadLetterTopic on the subscription Dapr dead-letters it."""
    return JsonResponse({"status": DROP})


def retry() -> JsonResponse:
    """A transient failure: Dapr redelivers under the resiliency policy."""
    return JsonResponse({"status": RETRY})


@dataclass(frozen=True)
class BulkEntry:
    """One message of a bulk delivery: its entry id, and its event or why it is malformed."""

    entry_id: str
    event: CloudEvent | MalformedEvent
    # The entry's event as delivered (parsed JSON), for observability.
    envelope: Any

    def data(self) -> Any:
        """The event's data; raises MalformedEvent when the entry holds no CloudEvent."""
        if isinstance(self.event, MalformedEvent):
            raise self.event
        return self.event.data


def parse_bulk(body: bytes) -> list[BulkEntry]:
    """The entries of a bulk delivery (a subscription with bulkSubscribe enabled).

    Raises MalformedEvent only when the envelope itself is not one; a malformed entry is
    returned as such, to be answered DROP on its own.
    """
    envelope = _json(body)
    entries = envelope.get("entries") if isinstance(envelope, dict) else None
    if not isinstance(entries, list):
        raise MalformedEvent("body is not a bulk delivery (no entries list)")
    parsed = []
    for entry in entries:
        entry_id = entry.get("entryId") if isinstance(entry, dict) else None
        if not isinstance(entry_id, str) or not entry_id:
            raise MalformedEvent("bulk entry without an entryId")
        try:
            event: CloudEvent | MalformedEvent = cloudevent_from(entry.get("event"))
        except MalformedEvent as malformed:
            event = malformed
        parsed.append(BulkEntry(entry_id, event, entry.get("event")))
    return parsed


def bulk_answer(statuses: dict[str, str]) -> JsonResponse:
    """A status (SUCCESS, RETRY or DROP) per entry id; an entry left out is retried."""
    return JsonResponse(
        {"statuses": [{"entryId": entry, "status": status} for entry, status in statuses.items()]}
    )
