"""The publish backend of the baseline: a live task event goes straight to sync_worker's
delivery in this process (as its subscription would), everything else nowhere."""

from __future__ import annotations

from typing import Any

from common.dapr_names import TASK_LIVE_TOPIC
from common.task_events import TaskEvent
from sync_worker.delivery import deliver_task_event


async def publish_cloudevent(
    topic: str, event_id: str, event_type: str, source: str, data: dict[str, Any]
) -> None:
    if topic == TASK_LIVE_TOPIC:
        await deliver_task_event(TaskEvent.from_data(data))
