"""Each user's bounded log of sequenced events: the source of catch-up for every tab.

Pure data: reading and writing it in the state store is sync_worker.sequencer's job.
Events are kept as their data (a fifth of their HTML's size, and every new event rewrites
the whole log); a catch-up renders them again.
A log has an `epoch` (random, fixed when the log is created) so that a log that was lost
and restarted at seq 1 is never mistaken for the old one by a socket that saw both.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

# Enough for a tab that was offline for a while; older gaps get a refresh instead.
LOG_LENGTH = 200
# The data of an entry that makes every tab re-fetch its list instead of applying one task
# (a user event, e.g. a preferences change that re-renders every due time): {REFRESH: why}.
REFRESH = "refresh"


def refresh_data(reason: str) -> dict[str, Any]:
    return {REFRESH: reason}


class CorruptLog(ValueError):
    """A stored log that is not in the format this module writes."""


@dataclass(frozen=True)
class LoggedEvent:
    seq: int
    dedupe_key: str
    # The event's data as published (common.task_events.TaskEvent.to_data()).
    data: dict[str, Any]

    @property
    def is_refresh(self) -> bool:
        return REFRESH in self.data

    def to_state(self) -> dict[str, Any]:
        return {"seq": self.seq, "dedupe_key": self.dedupe_key, "data": self.data}

    @classmethod
    def from_state(cls, raw: Any) -> LoggedEvent:
        try:
            seq, key, data = raw["seq"], raw["dedupe_key"], raw["data"]
        except (KeyError, TypeError):
            raise CorruptLog("logged event lacks seq, dedupe_key or data") from None
        if not isinstance(seq, int) or not isinstance(key, str) or not isinstance(data, dict):
            raise CorruptLog("logged event has fields of the wrong type")
        return cls(seq, key, data)


@dataclass(frozen=True)
class CatchUp:
    """What a tab that applied everything up to `after` needs: events, or a refresh."""

    refresh: bool
    seq: int
    events: tuple[LoggedEvent, ...] = ()


@dataclass
class SyncLog:
    # "" until the first event is appended (no log stored yet).
    epoch: str = ""
    seq: int = 0
    events: list[LoggedEvent] = field(default_factory=list)

    @classmethod
    def from_state(cls, raw: Any) -> SyncLog:
        if not isinstance(raw, dict):
            raise CorruptLog("log is not an object")
        epoch, seq, events = raw.get("epoch"), raw.get("seq"), raw.get("events")
        if not isinstance(epoch, str) or not isinstance(seq, int) or not isinstance(events, list):
            raise CorruptLog("log lacks epoch, seq or events")
        return cls(epoch, seq, [LoggedEvent.from_state(e) for e in events])

    def to_state(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "seq": self.seq, "events": [e.to_state() for e in self.events]}

    def contains(self, dedupe_key: str) -> bool:
        return any(e.dedupe_key == dedupe_key for e in self.events)

    def append(self, dedupe_key: str, data: dict[str, Any]) -> LoggedEvent:
        """Gives the event the next seq and keeps only the newest LOG_LENGTH events."""
        if not self.epoch:
            self.epoch = uuid.uuid4().hex
        self.seq += 1
        logged = LoggedEvent(self.seq, dedupe_key, data)
        self.events = [*self.events, logged][-LOG_LENGTH:]
        return logged

    def since(self, after: int) -> CatchUp:
        """Events with seq > after; a refresh when `after` predates the log or is ahead of it,
        or when a refresh entry follows it (the re-fetched list has the later events too).
        """
        oldest = self.events[0].seq if self.events else self.seq + 1
        if after < oldest - 1 or after > self.seq:
            return CatchUp(refresh=True, seq=self.seq)
        events = tuple(e for e in self.events if e.seq > after)
        if any(e.is_refresh for e in events):
            return CatchUp(refresh=True, seq=self.seq)
        return CatchUp(refresh=False, seq=self.seq, events=events)
