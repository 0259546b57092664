"""URLs of the sync worker: health, the routes its Dapr subscriptions deliver to, ops."""

from __future__ import annotations

from django.urls import include, path

from sync_worker import events, ops, sign_out, user_events

urlpatterns = [
    path("", include("common.health")),
    path("events/task-events-live", events.task_event, name="task-event-live"),
    path("events/task-events", events.task_events, name="task-events"),
    path("events/task-events-dead", events.dead_letter, name="task-event-dead-letter"),
    path("events/user-events", user_events.user_event, name="user-event"),
    path("ops/dead-letters", ops.dead_letters, name="ops-dead-letters"),
    path("sessions/signed-out", sign_out.signed_out, name="session-signed-out"),
]
