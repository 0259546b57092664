from __future__ import annotations

from django.urls import path

from webapp.todo import settings_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/", settings_views.preferences_page, name="settings"),
    path("settings/test-email", settings_views.test_email, name="settings-test-email"),
    path("tasks/", views.task_create, name="task-create"),
    path("tasks/clear-completed", views.clear_completed, name="task-clear-completed"),
    path("tasks/<str:task_id>/edit", views.task_edit, name="task-edit"),
    path("tasks/<str:task_id>/complete", views.task_complete, name="task-complete"),
    path("tasks/<str:task_id>/reopen", views.task_reopen, name="task-reopen"),
    path("tasks/<str:task_id>/delete", views.task_delete, name="task-delete"),
    path("tasks/<str:task_id>/move", views.task_move, name="task-move"),
]
