"""Where webapp serves each form a task fragment carries.

A fragment that sync_worker pushes posts to webapp, so its form actions cannot be reversed
in sync_worker's URLconf: both services take them from here, and webapp's URLconf
(webapp/todo/urls.py) routes exactly these paths.
"""

from __future__ import annotations

from urllib.parse import quote

# The actions on one task, each at tasks/<id>/<action> (URL name task-<action>).
TASK_ACTIONS = ("edit", "complete", "reopen", "delete", "move")


def task_action_route(action: str) -> str:
    """The Django route pattern of `action` (for path())."""
    if action not in TASK_ACTIONS:
        raise ValueError(f"unknown task action {action!r}")
    return f"tasks/<str:task_id>/{action}"


def task_action_path(action: str, task_id: str) -> str:
    """The absolute path that `action` on task `task_id` posts to."""
    if action not in TASK_ACTIONS:
        raise ValueError(f"unknown task action {action!r}")
    return f"/tasks/{quote(task_id, safe='')}/{action}"
