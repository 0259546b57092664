"""Renders logged events as the fragments tabs apply (task_fragments, shared with webapp)."""

from __future__ import annotations

from common.task_events import TaskEvent
from sync_worker.synclog import LoggedEvent
from task_fragments.fragments import render_event


def render_logged(logged: LoggedEvent) -> str:
    """A logged event's fragment; raises MalformedEvent if the stored data is not an event."""
    return render_event(TaskEvent.from_data(logged.data))
