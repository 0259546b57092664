"""TaskReminder: one actor per task (id = task id) that owns the task's e-mail reminder.

It (re)registers, moves or cancels one Dapr actor reminder as task events, the owner's
lead time or the task's state change, and sends one e-mail when the reminder fires.
Actors are turn-based, so a reminder and an event for one task never interleave.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from dapr.actor import Actor, ActorInterface, Remindable, actormethod

from bindings_worker import reminder_index, smtp, users
from bindings_worker.emails import reminder_email
from bindings_worker.preferences import reminder_preferences
from bindings_worker.reminder_record import (
    ReminderRecord,
    Status,
    reminder_time,
    retry_delay,
    schedule_time,
)
from common import dapr_names, metrics
from common.cloudevents import MalformedEvent
from common.dapr import actors
from common.dapr.errors import DaprError
from common.task_events import TaskEvent

logger = logging.getLogger(__name__)

STATE_NAME = "reminder"
# A reminder firing this much before its time (lead time shortened since) is moved instead.
EARLY_TOLERANCE = timedelta(seconds=1)
# A one-shot reminder the app cannot take (unhealthy, restarting) is retried 3 times a
# second apart and then dropped by default: keep trying for 10 minutes.
REMINDER_FAILURE_POLICY = {"constant": {"interval": "5s", "maxRetries": 120}}


class TaskReminderInterface(ActorInterface):
    # actormethod marks each method abstract at run time; abstractmethod tells mypy so.
    @actormethod(name="apply_event")
    @abstractmethod
    async def apply_event(self, data: dict[str, Any]) -> dict[str, Any]: ...

    @actormethod(name="reschedule")
    @abstractmethod
    async def reschedule(self) -> dict[str, Any]: ...

    @actormethod(name="status")
    @abstractmethod
    async def status(self) -> dict[str, Any]: ...


class TaskReminder(Actor, TaskReminderInterface, Remindable):
    async def apply_event(self, data: dict[str, Any]) -> dict[str, Any]:
        """Takes a task event (TaskEvent data); older or repeated versions change nothing."""
        try:
            event = TaskEvent.from_data(data)
        except MalformedEvent as error:
            return {"result": "malformed", "reason": str(error)}
        record = await self._load()
        if not record.accepts(event):
            await self._index(record)  # repairs the index if the first delivery failed there
            return {"result": "ignored", "version": record.version}
        record.apply(event)
        await self._plan(record, datetime.now(UTC))
        await self._store(record)
        return {"result": "applied", "status": record.status}

    async def reschedule(self) -> dict[str, Any]:
        """Re-plans after the owner's preferences changed (lead time, reminders on/off)."""
        record = await self._load()
        await self._plan(record, datetime.now(UTC))
        await self._store(record)
        return record.summary()

    async def status(self) -> dict[str, Any]:
        return (await self._load()).to_dict()

    async def receive_reminder(
        self,
        name: str,
        state: bytes,
        due_time: timedelta,
        period: timedelta,
        ttl: timedelta | None = None,
    ) -> None:
        record = await self._load()
        if name != record.reminder_name:
            logger.info("stale reminder ignored", extra={"task_id": self.id.id, "reminder": name})
            return
        metrics.REMINDERS_FIRED.inc()
        record.reminder_name = None
        now = datetime.now(UTC)
        preferences = await reminder_preferences(record.owner)
        when = reminder_time(record, preferences)
        if when is None or record.already_sent or record.already_failed:
            await self._plan(record, now)
        elif when > now + EARLY_TOLERANCE:
            await self._schedule(record, when)
        else:
            await self._send(record, preferences.zone, now)
        await self._store(record)

    # --- planning -------------------------------------------------------------------

    async def _plan(self, record: ReminderRecord, now: datetime) -> None:
        preferences = await reminder_preferences(record.owner)
        when = schedule_time(record, preferences, now)
        if record.already_sent or record.already_failed:
            await self._cancel(record, "sent" if record.already_sent else "failed")
        elif when is None:
            await self._cancel(record, "none" if record.status == "none" else "cancelled")
        elif not (
            record.reminder_name
            and record.remind_at == when.isoformat()
            and record.status in ("scheduled", "retrying")
        ):
            await self._schedule(record, when)

    async def _schedule(self, record: ReminderRecord, when: datetime) -> None:
        previous = record.reminder_name
        name = record.next_name()
        await self._register(name, when)
        metrics.REMINDERS_SCHEDULED.inc()
        record.reminder_name = name
        record.remind_at = when.isoformat()
        record.status = "scheduled"
        record.attempts = 0
        record.error = ""
        if previous:
            await self._unregister(previous)

    async def _cancel(self, record: ReminderRecord, status: Status) -> None:
        if record.reminder_name:
            await self._unregister(record.reminder_name)
        record.reminder_name = None
        record.status = status

    # --- sending --------------------------------------------------------------------

    async def _send(self, record: ReminderRecord, zone: Any, now: datetime) -> None:
        assert record.due is not None
        to = await users.owner_email(record.owner)
        if not to:
            self._fail(record, "the task owner has no e-mail address")
            return
        try:
            await smtp.send(reminder_email(to, record.task_id, record.title, record.due, zone))
        except smtp.MailRejected as error:
            self._fail(record, str(error))
            return
        except smtp.MailNotSent as error:
            record.attempts += 1
            record.error = str(error)
            name = record.next_name()
            await self._register(name, now + retry_delay(record.attempts))
            record.reminder_name = name
            record.status = "retrying"
            logger.warning(
                "reminder e-mail not sent; retrying",
                extra={
                    "task_id": record.task_id,
                    "attempts": record.attempts,
                    "reason": str(error),
                },
            )
            return
        metrics.REMINDERS_SENT.inc()
        record.sent_for_due.append(record.due)
        record.status = "sent"
        record.error = ""
        lateness = (now - datetime.fromisoformat(record.remind_at or record.due)).total_seconds()
        logger.info(
            "reminder e-mail sent",
            extra={"task_id": record.task_id, "lateness_ms": round(lateness * 1000, 1)},
        )

    def _fail(self, record: ReminderRecord, reason: str) -> None:
        metrics.REMINDERS_FAILED.inc()
        record.status = "failed"
        record.error = reason
        record.failed_for_due = record.due
        logger.warning(
            "reminder e-mail failed", extra={"task_id": record.task_id, "reason": reason}
        )

    # --- Dapr -----------------------------------------------------------------------

    async def _register(self, name: str, when: datetime) -> None:
        await actors.register_reminder(
            dapr_names.REMINDER_ACTOR_TYPE, self.id.id, name, when, REMINDER_FAILURE_POLICY
        )

    async def _unregister(self, name: str) -> None:
        try:
            await actors.unregister_reminder(dapr_names.REMINDER_ACTOR_TYPE, self.id.id, name)
        except DaprError as error:  # a fired one-shot is gone
            logger.info("reminder not unregistered", extra={"reminder": name, "reason": str(error)})

    async def _load(self) -> ReminderRecord:
        found, raw = await self._state_manager.try_get_state(STATE_NAME)
        return (
            ReminderRecord.from_dict(cast(dict[str, Any], raw))
            if found
            else ReminderRecord(task_id=self.id.id)
        )

    async def _store(self, record: ReminderRecord) -> None:
        await self._state_manager.set_state(STATE_NAME, record.to_dict())
        await self._state_manager.save_state()
        await self._index(record)

    async def _index(self, record: ReminderRecord) -> None:
        if not record.owner:
            return  # never had an event: nothing to list
        await reminder_index.put(
            record.owner, record.task_id, record.summary() if record.listed else None
        )
