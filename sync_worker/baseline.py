"""The benchmark baseline's hand-off: webapp delivers an event in-process, without pub/sub.

Only used with TODO_BACKEND=direct (bench/live_sync.py): the same sequencing and Channels
push as the subscription endpoint, minus Dapr.
"""

from __future__ import annotations

from typing import Any

from common.task_events import TaskEvent
from sync_worker.delivery import deliver_task_event


async def deliver(data: dict[str, Any]) -> None:
    await deliver_task_event(TaskEvent.from_data(data))
