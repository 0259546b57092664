from __future__ import annotations

from django.apps import AppConfig


class TodoConfig(AppConfig):
    name = "webapp.todo"
    label = "todo"
