from __future__ import annotations

from django.urls import path

from task_fragments.paths import task_action_route
from webapp.todo import views

urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/", views.task_create, name="task-create"),
    path("tasks/clear-completed", views.clear_completed, name="task-clear-completed"),
    # The paths the task fragments post to (task_fragments/paths.py), here and from pushes.
    path(task_action_route("edit"), views.task_edit, name="task-edit"),
    path(task_action_route("complete"), views.task_complete, name="task-complete"),
    path(task_action_route("reopen"), views.task_reopen, name="task-reopen"),
    path(task_action_route("delete"), views.task_delete, name="task-delete"),
    path(task_action_route("move"), views.task_move, name="task-move"),
]
