"""Every Dapr name the services use, in one place.

Each value matches a `metadata.name` (or app-id) in components/ and in the Helm chart;
tests/unit/test_dapr_names.py keeps the two in step.
"""

from __future__ import annotations

WEBAPP_APP_ID = "webapp"
SYNC_WORKER_APP_ID = "sync-worker"
BINDINGS_WORKER_APP_ID = "bindings-worker"

STATE_STORE = "statestore"
TASK_STORE = "taskstore"
PUBSUB = "pubsub"
OUTBOX_PUBSUB = "outbox-pubsub"
LOCK_STORE = "lockstore"
SECRET_STORE = "secretstore"  # noqa: S105 (a component name, not a secret)
# The sealed audit trail (keyPrefix none) and the secret store of its signing key.
AUDIT_STORE = "auditstore"
AUDIT_KEYS = "auditkeys"
AUDIT_SIGNING_SECRET = "audit-signing-key"  # noqa: S105 (a secret's name, not a secret)
CRON_BINDING = "digest-cron"
SMTP_BINDING = "smtp"
CONFIGURATION = "daprconfig"
RESILIENCY = "resiliency"

# Every saved change, once, from the task store's transactional outbox: the durable stream.
TASK_EVENTS_TOPIC = "task-events"
# The same events published directly after the save, for live tabs only: the outbox holds
# each message a second (README "Dapr behaviours"). Best effort; task-events makes up for it.
TASK_LIVE_TOPIC = "task-events-live"
TASK_EVENTS_DEAD_LETTER_TOPIC = "task-events-dead"
# Audit records of everything but task changes (those ride in task-events); only
# bindings-worker subscribes, and seals them.
AUDIT_TOPIC = "audit"
AUDIT_DEAD_LETTER_TOPIC = "audit-dead"
# Changes to a user (preferences) that their open tabs show; common/user_events.py.
USER_EVENTS_TOPIC = "user-events"

# Reminder actors hosted by bindings-worker (one per task, actor id = task id).
REMINDER_ACTOR_TYPE = "TaskReminder"
# One per user (actor id = user id): the index of that user's reminders.
OWNER_ACTOR_TYPE = "OwnerReminders"
