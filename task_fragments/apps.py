"""The shared Django app of task fragments (templates and template tags)."""

from __future__ import annotations

from django.apps import AppConfig


class TaskFragmentsConfig(AppConfig):
    name = "task_fragments"
    verbose_name = "Task fragments"
