from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bindings_worker.preferences import ReminderPreferences
from bindings_worker.reminder_record import (
    ReminderRecord,
    reminder_time,
    retry_delay,
    schedule_time,
)
from common.task_events import Task, TaskEvent

NOW = datetime(2025, 6, 3, 12, 0, tzinfo=UTC)


def event(version: int, due: datetime | None, event_type: str = "task.updated") -> TaskEvent:
    stamp = NOW.isoformat()
    task = Task("t-1", "Pay rent", "", due and due.isoformat(), "normal", False, 1.0, version,
                stamp, stamp)  # fmt: skip
    return TaskEvent(event_type, 7, task, stamp)


def record_for(*events: TaskEvent) -> ReminderRecord:
    record = ReminderRecord(task_id="t-1")
    for item in events:
        if record.accepts(item):
            record.apply(item)
    return record


def test_older_or_repeated_versions_are_not_accepted() -> None:
    record = record_for(event(2, NOW + timedelta(hours=2)))
    assert not record.accepts(event(2, NOW))
    assert not record.accepts(event(1, NOW))
    assert record.accepts(event(3, NOW))


def test_reminder_is_lead_time_before_due() -> None:
    record = record_for(event(1, NOW + timedelta(hours=2)))
    preferences = ReminderPreferences(lead_minutes=30)
    assert reminder_time(record, preferences) == NOW + timedelta(minutes=90)
    assert schedule_time(record, preferences, NOW) == NOW + timedelta(minutes=90)


def test_lead_time_longer_than_what_is_left_reminds_now() -> None:
    record = record_for(event(1, NOW + timedelta(minutes=10)))
    assert schedule_time(record, ReminderPreferences(lead_minutes=60), NOW) == NOW


def test_task_overdue_when_it_changed_gets_no_reminder() -> None:
    record = record_for(event(1, NOW - timedelta(minutes=1)))
    assert schedule_time(record, ReminderPreferences(), NOW) is None


def test_event_arriving_after_due_reminds_late_rather_than_never() -> None:
    record = record_for(event(1, NOW + timedelta(minutes=1)))
    later = NOW + timedelta(minutes=5)
    assert schedule_time(record, ReminderPreferences(), later) == later


def test_completed_deleted_undated_or_switched_off_get_no_reminder() -> None:
    due = NOW + timedelta(hours=1)
    deleted = record_for(event(1, due), event(2, due, "task.deleted"))
    undated = record_for(event(1, None))
    assert schedule_time(deleted, ReminderPreferences(), NOW) is None
    assert schedule_time(undated, ReminderPreferences(), NOW) is None
    dated = record_for(event(1, due))
    assert schedule_time(dated, ReminderPreferences(reminders_on=False), NOW) is None


def test_sent_due_date_is_remembered_through_the_state_round_trip() -> None:
    record = record_for(event(1, NOW + timedelta(hours=1)))
    record.sent_for_due.append(record.due or "")
    restored = ReminderRecord.from_dict(record.to_dict())
    assert restored.already_sent
    restored.sent_for_due.append("other")
    assert record.sent_for_due == [record.due]  # a copy, not the SDK's cached value


def test_retry_delay_backs_off_to_five_minutes() -> None:
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 20)] == [5, 10, 20, 300]
