"""OwnerReminders: one actor per user (id = user id) holding the index of their reminders.

Each task's actor reports its summary here. Being turn-based, the actor serialises the
writes for one user, which a shared state key would do only through ETag retries that
collapse under a burst (100 tasks of one user retrying against one key).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, cast

from dapr.actor import Actor, ActorInterface, actormethod

STATE_NAME = "entries"


class OwnerRemindersInterface(ActorInterface):
    # actormethod marks each method abstract at run time; abstractmethod tells mypy so.
    @actormethod(name="put")
    @abstractmethod
    async def put(self, change: dict[str, Any]) -> None: ...

    @actormethod(name="list")
    @abstractmethod
    async def list_entries(self) -> list[dict[str, Any]]: ...


class OwnerReminders(Actor, OwnerRemindersInterface):
    async def put(self, change: dict[str, Any]) -> None:
        """Sets one task's entry ({"task_id", "entry"}); a None entry removes it."""
        entries = await self._entries()
        task_id, entry = str(change["task_id"]), change.get("entry")
        if entries.get(task_id) == entry or (entry is None and task_id not in entries):
            return
        if entry is None:
            entries.pop(task_id)
        else:
            entries[task_id] = entry
        await self._state_manager.set_state(STATE_NAME, entries)

    async def list_entries(self) -> list[dict[str, Any]]:
        """Every entry, soonest due first."""
        entries = await self._entries()
        return sorted(entries.values(), key=lambda entry: entry.get("due") or "")

    async def _entries(self) -> dict[str, Any]:
        found, entries = await self._state_manager.try_get_state(STATE_NAME)
        return dict(cast(dict[str, Any], entries)) if found else {}
