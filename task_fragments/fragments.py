"""HTML fragments of tasks, shared by webapp's responses and sync_worker's pushes.

Every task renders as `<li id="task-<id>">` with its version and position as data
attributes, so a pushed fragment can replace it out of band and a tab can ignore one that
is older than what it shows.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html

from common.task_events import Task, TaskEvent


def render_task(
    task: Task,
    time_zone: str,
    oob: bool = False,
    message: str = "",
    request: HttpRequest | None = None,
) -> str:
    """One task's <li>; with `request`, its forms carry a CSRF token (for no-JS posts)."""
    context = {"task": task, "time_zone": time_zone, "oob": oob, "message": message}
    return render_to_string("task_fragments/_task.html", context, request=request)


def render_event(event: TaskEvent) -> str:
    """The out-of-band fragment that applies `event` to an open tab."""
    if event.type == "task.deleted":
        return format_html(
            '<li id="task-{}" class="task" data-version="{}" hx-swap-oob="delete"></li>',
            event.task.id,
            event.task.version,
        )
    return render_task(event.task, event.time_zone, oob=True)
