"""URLs of the bindings worker: health, input binding, subscription, actors, invocation API."""

from __future__ import annotations

from django.urls import include, path

from bindings_worker import actor_host, api, audit_events, cron, events
from common import dapr_names

urlpatterns = [
    path("", include("common.health")),
    path(dapr_names.CRON_BINDING, cron.digest_tick, name="digest-cron"),
    path("events/task-events", events.task_events, name="task-events"),
    path("events/audit", audit_events.audit_records, name="audit-records"),
    path("", include(actor_host.urlpatterns)),
    path("api/test-email", api.send_test_email, name="test-email"),
    path("api/email-verification", api.send_email_verification, name="email-verification"),
    path("api/reminders", api.reminders, name="reminders"),
    path("api/preferences-changed", api.preferences_changed, name="preferences-changed"),
]
