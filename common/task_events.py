"""The task-events contract: what webapp publishes and the workers consume.

Each event is a CloudEvent whose `data` is `TaskEvent.to_data()`, on topic `task-events`
(from the transactional outbox: every saved change) and again on `task-events-live` (the
low-latency direct publish, best effort). Delivery is at-least-once and unordered:
consumers deduplicate by `dedupe_key` (task id and version), never by CloudEvent id,
because the two deliver the same change under different ids.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import available_timezones

from common.cloudevents import MalformedEvent

TaskEventType = Literal[
    "task.created", "task.updated", "task.completed", "task.reopened", "task.deleted"
]
EVENT_TYPES: tuple[str, ...] = (
    "task.created",
    "task.updated",
    "task.completed",
    "task.reopened",
    "task.deleted",
)
PRIORITIES: tuple[str, ...] = ("low", "normal", "high")
TITLE_MAX_LENGTH = 200
NOTES_MAX_LENGTH = 5000


@dataclass(frozen=True)
class Task:
    """One task as stored and as carried in events. Times are ISO 8601 in UTC."""

    id: str
    title: str
    notes: str
    due: str | None
    priority: str
    completed: bool
    position: float
    version: int
    created_at: str
    updated_at: str

    @classmethod
    def from_dict(cls, raw: Any) -> Task:
        if not isinstance(raw, dict):
            raise MalformedEvent("task is not an object")
        try:
            task = cls(
                id=_text(raw["id"], "id", 64),
                title=_text(raw["title"], "title", TITLE_MAX_LENGTH),
                notes=_text(raw.get("notes", ""), "notes", NOTES_MAX_LENGTH, allow_empty=True),
                due=None if raw.get("due") is None else _timestamp(raw["due"], "due"),
                priority=raw.get("priority", "normal"),
                completed=raw["completed"],
                position=float(raw["position"]),
                version=raw["version"],
                created_at=_timestamp(raw["created_at"], "created_at"),
                updated_at=_timestamp(raw["updated_at"], "updated_at"),
            )
        except KeyError as missing:
            raise MalformedEvent(f"task lacks {missing.args[0]}") from None
        except (TypeError, ValueError) as error:
            raise MalformedEvent(f"task is malformed: {error}") from None
        if task.priority not in PRIORITIES:
            raise MalformedEvent(f"task priority {task.priority!r} is not one of {PRIORITIES}")
        if not isinstance(task.completed, bool):
            raise MalformedEvent("task completed is not a boolean")
        if not isinstance(task.version, int) or isinstance(task.version, bool) or task.version < 1:
            raise MalformedEvent("task version is not a positive integer")
        return task

    def to_dict(self) -> dict[str, Any]:
        # Every field is a scalar, so a shallow copy is what dataclasses.asdict's deep
        # recursion returns, at a fraction of its cost: a user's whole list is written
        # on every change.
        return dict(self.__dict__)


@dataclass(frozen=True)
class TaskEvent:
    """A change to one task of one owner; `task` is the state after the change."""

    type: str
    owner: int
    task: Task
    occurred_at: str
    # The owner's IANA time zone, so consumers can show local times without a lookup.
    time_zone: str = "UTC"

    @property
    def version(self) -> int:
        return self.task.version

    @property
    def dedupe_key(self) -> str:
        return f"{self.task.id}:{self.task.version}"

    def to_data(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "owner": self.owner,
            "task": self.task.to_dict(),
            "version": self.task.version,
            "occurred_at": self.occurred_at,
            "time_zone": self.time_zone,
        }

    @classmethod
    def from_data(cls, data: Any) -> TaskEvent:
        """Validates an event body; raises MalformedEvent (dead-letter it) when invalid."""
        if not isinstance(data, dict):
            raise MalformedEvent("event data is not an object")
        event_type = data.get("type")
        if event_type not in EVENT_TYPES:
            raise MalformedEvent(f"unknown task event type {event_type!r}")
        owner = data.get("owner")
        if not isinstance(owner, int) or isinstance(owner, bool) or owner < 1:
            raise MalformedEvent("event owner is not a user id")
        return cls(
            type=event_type,
            owner=owner,
            task=Task.from_dict(data.get("task")),
            occurred_at=_timestamp(data.get("occurred_at"), "occurred_at"),
            time_zone=_time_zone(data.get("time_zone", "UTC")),
        )


def _text(value: Any, name: str, max_length: int, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise MalformedEvent(f"task {name} is not text")
    if not value.strip() and not allow_empty:
        raise MalformedEvent(f"task {name} is empty")
    if len(value) > max_length:
        raise MalformedEvent(f"task {name} is longer than {max_length} characters")
    return value


@functools.cache
def known_time_zones() -> frozenset[str]:
    """IANA zone names (scanning the zone database once)."""
    return frozenset(available_timezones() | {"UTC"})


def _time_zone(value: Any) -> str:
    if not isinstance(value, str) or value not in known_time_zones():
        raise MalformedEvent(f"time zone {value!r} is not an IANA time zone")
    return value


def _timestamp(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise MalformedEvent(f"{name} is not an ISO 8601 timestamp")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedEvent(f"{name} is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        raise MalformedEvent(f"{name} has no time zone")
    return value
