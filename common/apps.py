"""Process-wide observability set-up, done when Django starts (Daphne has no lifespan hook)."""

from __future__ import annotations

from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "common"
    label = "dapr_todo_common"
    verbose_name = "Tracing, metrics and logs"

    def ready(self) -> None:
        # Before asgi.py wraps the HTTP application in the tracing middleware.
        from common import tracing

        tracing.configure()
