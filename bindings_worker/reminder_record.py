"""What a reminder actor knows about its task, and when it should remind (pure logic).

Events arrive at least once and out of order, so the record keeps the highest task
version seen; the due date an e-mail was sent for makes a second firing send nothing.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from bindings_worker.preferences import ReminderPreferences
from common.task_events import TaskEvent

# sending: an attempt started and its outcome is not recorded yet (a reminder that fires
# again meanwhile must not start another); unconfirmed: the mail server did not answer in
# time, so the e-mail may still arrive and is never sent again for this due date.
Status = Literal[
    "none", "scheduled", "retrying", "sending", "sent", "unconfirmed", "failed", "cancelled"
]


@dataclass
class ReminderRecord:
    task_id: str
    owner: int = 0
    title: str = ""
    due: str | None = None
    completed: bool = False
    deleted: bool = False
    version: int = 0
    changed_at: str | None = None  # when the task last changed (the event's occurred_at)
    status: Status = "none"
    remind_at: str | None = None
    # Only the reminder with this name may send: an older one that still fires is ignored.
    reminder_name: str | None = None
    generation: int = 0
    attempts: int = 0
    # The attempt recorded as "sending": when it started, and for which due date.
    sending_since: str | None = None
    sending_for: str | None = None
    error: str = ""
    sent_for_due: list[str] = field(default_factory=list)
    # A refused address fails for this due date; a new due date tries again.
    failed_for_due: str | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ReminderRecord:
        # A copy: the SDK caches the loaded value, and a failed turn must not leak into it.
        return cls(**copy.deepcopy(raw))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def accepts(self, event: TaskEvent) -> bool:
        """Whether `event` is newer than anything seen (not a duplicate, not out of date)."""
        return event.version > self.version

    def apply(self, event: TaskEvent) -> None:
        self.owner = event.owner
        self.title = event.task.title
        self.due = event.task.due
        self.completed = event.task.completed
        self.deleted = event.type == "task.deleted"
        self.version = event.version
        self.changed_at = event.occurred_at

    @property
    def already_sent(self) -> bool:
        return self.due is not None and self.due in self.sent_for_due

    @property
    def already_failed(self) -> bool:
        return self.due is not None and self.due == self.failed_for_due

    def next_name(self) -> str:
        self.generation += 1
        return f"due-{self.generation}"

    def summary(self) -> dict[str, Any]:
        """What /api/reminders and the digest show of this task."""
        return {
            "task_id": self.task_id,
            "title": self.title,
            "due": self.due,
            "remind_at": self.remind_at,
            "status": self.status,
            "error": self.error,
        }

    @property
    def listed(self) -> bool:
        """Open tasks with a due date appear in the owner's reminder index."""
        return not (self.deleted or self.completed) and self.due is not None


def reminder_time(record: ReminderRecord, preferences: ReminderPreferences) -> datetime | None:
    """`lead_minutes` before the due date; None when the task needs no reminder."""
    if not record.listed or not preferences.reminders_on or record.due is None:
        return None
    return datetime.fromisoformat(record.due) - timedelta(minutes=preferences.lead_minutes)


def schedule_time(
    record: ReminderRecord, preferences: ReminderPreferences, now: datetime
) -> datetime | None:
    """When to register the reminder: never in the past; None for no reminder.

    A task that was already overdue when it changed gets none (the digest lists it); one
    whose event arrives late (backlog, restart) is reminded at once, late but not lost.
    """
    when = reminder_time(record, preferences)
    if when is None or record.due is None:
        return None
    changed = datetime.fromisoformat(record.changed_at) if record.changed_at else now
    if datetime.fromisoformat(record.due) <= changed:
        return None
    return max(when, now)


def retry_delay(attempts: int) -> timedelta:
    """Back-off between sends while the mail server is down: 5 s doubling to 5 min."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 300))
