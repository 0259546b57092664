"""Each user's bounded log of sequenced events: the source of catch-up for every tab.

Pure data: reading and writing it in the state store is sync_worker.sequencer's job.
The log is a small head (its epoch, its last seq and the dedupe keys of the events it
holds) plus one state entry per event, so logging an event writes the head and that one
event, however long the log: rewriting every held event on each change made a change's
cost grow with the user's history. Events are kept as their data (a fifth of their HTML's
size); a catch-up renders them again.
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


@dataclass(frozen=True)
class Appended:
    """An event just appended, and the dedupe key that fell out of the log (if one did)."""

    event: LoggedEvent
    dropped: str | None


@dataclass
class SyncLog:
    """The log's head; the events themselves are state entries of their own."""

    # "" until the first event is appended (no log stored yet).
    epoch: str = ""
    seq: int = 0
    # Dedupe keys of the events held, oldest first; the last one's seq is `seq`.
    keys: list[str] = field(default_factory=list)

    @classmethod
    def from_state(cls, raw: Any) -> SyncLog:
        if not isinstance(raw, dict):
            raise CorruptLog("log is not an object")
        epoch, seq, keys = raw.get("epoch"), raw.get("seq"), raw.get("keys")
        if not isinstance(epoch, str) or not isinstance(seq, int) or not isinstance(keys, list):
            raise CorruptLog("log lacks epoch, seq or keys")
        if not all(isinstance(key, str) for key in keys) or len(keys) > seq:
            raise CorruptLog("log's keys are not dedupe keys of its events")
        return cls(epoch, seq, keys)

    def to_state(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "seq": self.seq, "keys": self.keys}

    def contains(self, dedupe_key: str) -> bool:
        return dedupe_key in self.keys

    def append(self, dedupe_key: str, data: dict[str, Any]) -> Appended:
        """Gives the event the next seq and keeps only the newest LOG_LENGTH events."""
        if not self.epoch:
            self.epoch = uuid.uuid4().hex
        self.seq += 1
        self.keys = [*self.keys, dedupe_key]
        dropped = self.keys.pop(0) if len(self.keys) > LOG_LENGTH else None
        return Appended(LoggedEvent(self.seq, dedupe_key, data), dropped)

    def wanted(self, after: int) -> list[str] | None:
        """Dedupe keys of the events with seq > after, oldest first; None when the tab
        needs a refresh instead: `after` predates the log or is ahead of it."""
        oldest = self.seq - len(self.keys) + 1
        if after < oldest - 1 or after > self.seq:
            return None
        return self.keys[after - oldest + 1 :]

    def since(self, after: int, logged: dict[str, LoggedEvent]) -> CatchUp:
        """What a tab that applied everything up to `after` needs, from the events
        `logged` (by dedupe key) read for wanted(after). A refresh when `after` is out of
        the log's range, when an event is missing (expired) or is not the one its seq
        names, or when a refresh entry follows `after` (the re-fetched list has the
        later events too).
        """
        wanted = self.wanted(after)
        if wanted is None:
            return CatchUp(refresh=True, seq=self.seq)
        events = []
        for seq, dedupe_key in enumerate(wanted, start=after + 1):
            event = logged.get(dedupe_key)
            if event is None or event.seq != seq or event.is_refresh:
                return CatchUp(refresh=True, seq=self.seq)
            events.append(event)
        return CatchUp(refresh=False, seq=self.seq, events=tuple(events))
