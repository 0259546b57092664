"""Moving a user's pending reminders after their preferences changed (lead time, on/off)."""

from __future__ import annotations

import asyncio

from bindings_worker import reminder_index
from common import dapr_names
from common.dapr import actors

# Each task's actor re-plans in its own turn; a few at a time keep a long list quick
# without flooding the sidecar.
CONCURRENCY = 8


async def reschedule_owner_reminders(owner: int) -> int:
    """Re-plans the reminder of every open task of `owner` that has a due date.

    Returns how many tasks were re-planned; raises DaprError.
    """
    task_ids = [str(entry["task_id"]) for entry in await reminder_index.entries(owner)]
    slots = asyncio.Semaphore(CONCURRENCY)

    async def reschedule(task_id: str) -> None:
        async with slots:
            await actors.call(dapr_names.REMINDER_ACTOR_TYPE, task_id, "reschedule")

    await asyncio.gather(*(reschedule(task_id) for task_id in task_ids))
    return len(task_ids)
