"""Per-owner index of open tasks with a due date and their reminder status.

Kept by the owner's OwnerReminders actor; written by each task's actor, read by
/api/reminders and the daily digest.
"""

from __future__ import annotations

from typing import Any

from common import dapr_names
from common.dapr import actors


async def entries(owner: int) -> list[dict[str, Any]]:
    """The owner's entries, soonest due first; raises DaprError."""
    found = await actors.call(dapr_names.OWNER_ACTOR_TYPE, str(owner), "list")
    return list(found or [])


async def put(owner: int, task_id: str, entry: dict[str, Any] | None) -> None:
    """Sets (or with None removes) one task's entry."""
    change = {"task_id": task_id, "entry": entry}
    await actors.call(dapr_names.OWNER_ACTOR_TYPE, str(owner), "put", change)
