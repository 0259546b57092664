"""Renders task events as the fragments tabs apply, with webapp's URLs in their forms.

The fragments' forms post to webapp, but this process serves sync_worker's URLconf, so
rendering switches to webapp's URLconf for the duration.
"""

from __future__ import annotations

from django.urls import get_urlconf, set_urlconf

from common.task_events import TaskEvent
from sync_worker.synclog import LoggedEvent
from webapp.todo.fragments import render_event

WEBAPP_URLCONF = "webapp.urls"


def render_for_tabs(event: TaskEvent) -> str:
    previous = get_urlconf()
    set_urlconf(WEBAPP_URLCONF)
    try:
        return render_event(event)
    finally:
        set_urlconf(previous)


def render_logged(logged: LoggedEvent) -> str:
    """A logged event's fragment; raises MalformedEvent if the stored data is not an event."""
    return render_for_tabs(TaskEvent.from_data(logged.data))
