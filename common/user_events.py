"""The user-events contract: changes to a user (not to a task) that their open tabs show.

Each event is a CloudEvent on topic `user-events` whose `data` is `UserEvent.to_data()`;
kept apart from task-events, whose consumers accept task events only. Delivery is
at-least-once: consumers deduplicate by `dedupe_key` (the event id webapp chose).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from common.cloudevents import MalformedEvent

PREFERENCES_CHANGED = "user.preferences_changed"
USER_EVENT_TYPES: tuple[str, ...] = (PREFERENCES_CHANGED,)
MAX_ID_LENGTH = 64


@dataclass(frozen=True)
class UserEvent:
    id: str
    type: str
    owner: int
    occurred_at: str

    @classmethod
    def new(cls, event_type: str, owner: int) -> UserEvent:
        return cls(uuid.uuid4().hex, event_type, owner, datetime.now(UTC).isoformat())

    @property
    def dedupe_key(self) -> str:
        return f"user-event:{self.id}"

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "owner": self.owner,
            "occurred_at": self.occurred_at,
        }

    @classmethod
    def from_data(cls, data: Any) -> UserEvent:
        """Validates an event body; raises MalformedEvent (drop it) when invalid."""
        if not isinstance(data, dict):
            raise MalformedEvent("event data is not an object")
        event_id, event_type, owner = data.get("id"), data.get("type"), data.get("owner")
        if not isinstance(event_id, str) or not 0 < len(event_id) <= MAX_ID_LENGTH:
            raise MalformedEvent("user event id is not a short string")
        if event_type not in USER_EVENT_TYPES:
            raise MalformedEvent(f"unknown user event type {event_type!r}")
        if not isinstance(owner, int) or isinstance(owner, bool) or owner < 1:
            raise MalformedEvent("event owner is not a user id")
        occurred_at = data.get("occurred_at")
        if not isinstance(occurred_at, str):
            raise MalformedEvent("occurred_at is not a timestamp")
        return cls(event_id, event_type, owner, occurred_at)
