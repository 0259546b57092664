"""URLs of the sync worker: health and the routes its Dapr subscriptions deliver to."""

from __future__ import annotations

from django.urls import include, path

from sync_worker import events

urlpatterns = [
    path("", include("common.health")),
    path("events/task-events", events.task_event, name="task-event"),
    path("events/task-events-dead", events.dead_letter, name="task-event-dead-letter"),
]
