"""TaskReminder: one actor per task (id = task id) that owns the task's e-mail reminder.

It (re)registers, moves or cancels one Dapr actor reminder as task events, the owner's
lead time or the task's state change, and sends one e-mail when the reminder fires.
Actors are turn-based, so a reminder and an event for one task never interleave.

At most one e-mail per reminder: the attempt is recorded as "sending" before it starts,
so a reminder that fires again (its failure policy after a turn that failed or was cut
off) finds it and waits for its outcome instead of starting another; an attempt whose
outcome never comes is "unconfirmed" and not repeated (smtp.py says why).
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from dapr.actor import Actor, ActorInterface, Remindable, actormethod

from bindings_worker import reminder_index, smtp, users
from bindings_worker.emails import reminder_email
from bindings_worker.preferences import ReminderPreferences, reminder_preferences
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
# Past smtp.LONGEST_SEND_SECONDS after an attempt started, the turn that made it is no
# longer waiting for it; the margin covers that turn storing its outcome.
IN_FLIGHT_MARGIN = timedelta(seconds=15)


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
        now = datetime.now(UTC)
        if record.status == "sending":
            await self._attempt_in_progress(record, now)
            await self._store(record)
            return
        record.reminder_name = None
        preferences = await reminder_preferences(record.owner)
        when = reminder_time(record, preferences)
        if when is None or record.already_sent or record.already_failed:
            await self._plan(record, now)
        elif when > now + EARLY_TOLERANCE:
            await self._schedule(record, when)
        else:
            await self._send(record, preferences, now, name)
        await self._store(record)

    # --- planning -------------------------------------------------------------------

    async def _plan(self, record: ReminderRecord, now: datetime) -> None:
        preferences = await reminder_preferences(record.owner)
        when = schedule_time(record, preferences, now)
        if record.already_sent or record.already_failed:
            await self._cancel(record, _final_status(record))
        elif when is None:
            await self._cancel(record, "none" if record.status == "none" else "cancelled")
        elif record.status == "sending" and record.sending_for == record.due:
            return  # the attempt for this due date decides; another one could be a second
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

    async def _send(
        self, record: ReminderRecord, preferences: ReminderPreferences, now: datetime, name: str
    ) -> None:
        assert record.due is not None
        to = await users.owner_email(record.owner)
        if not to:
            self._fail(record, "the task owner has no e-mail address")
            return
        if not preferences.verified(to):
            if preferences.unknown:  # webapp did not answer: ask again later
                await self._retry(record, now, "the owner's preferences are unavailable")
                return
            # Nobody may point the app's mail at someone else's inbox.
            self._fail(record, "the task owner's e-mail address is not verified")
            return
        email = reminder_email(to, record.task_id, record.title, record.due, preferences.zone)
        await self._record_attempt(record, name, now)
        try:
            await smtp.send(email)
        except smtp.MailRejected as error:
            self._fail(record, str(error))
            return
        except smtp.MailInDoubt as error:
            self._unconfirmed(record, str(error))
            return
        except smtp.MailNotSent as error:
            await self._retry(record, now, str(error))
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

    async def _record_attempt(self, record: ReminderRecord, name: str, now: datetime) -> None:
        """Stores "sending" before the attempt, under the firing reminder's name, so that
        reminder firing again (failure policy) finds the attempt instead of making one."""
        record.status = "sending"
        record.sending_since = now.isoformat()
        record.sending_for = record.due
        record.reminder_name = name
        await self._state_manager.set_state(STATE_NAME, record.to_dict())
        await self._state_manager.save_state()
        record.reminder_name = None
        try:  # so "Upcoming reminders" shows it; the attempt must not wait on the index
            await self._index(record)
        except DaprError as error:
            logger.info("reminder index not updated", extra={"reason": str(error)})
        # Each outcome below replaces "sending"; a turn that ends without one leaves it.
        record.sending_since = record.sending_for = None

    async def _attempt_in_progress(self, record: ReminderRecord, now: datetime) -> None:
        """The reminder fired while an attempt is recorded as started and not finished."""
        started = datetime.fromisoformat(record.sending_since or now.isoformat())
        settled = started + timedelta(seconds=smtp.LONGEST_SEND_SECONDS) + IN_FLIGHT_MARGIN
        if now < settled:
            # Its turn may still be waiting for the server: look again once it cannot be.
            name = record.next_name()
            await self._register(name, settled)
            record.reminder_name = name
            logger.info(
                "reminder e-mail still being sent; not sending another",
                extra={"task_id": record.task_id, "since": record.sending_since},
            )
            return
        # Its turn ended without recording the outcome (crashed, cut off): the e-mail may
        # have gone out or may still, so sending it again could make two.
        self._unconfirmed(
            record, f"the attempt started at {record.sending_since} ended without an answer"
        )

    def _unconfirmed(self, record: ReminderRecord, reason: str) -> None:
        due = record.sending_for or record.due
        assert due is not None
        record.sent_for_due.append(due)
        record.status = "unconfirmed"
        record.error = reason
        record.reminder_name = None
        record.sending_since = record.sending_for = None
        logger.warning(
            "reminder e-mail unconfirmed; not sending it again",
            extra={"task_id": record.task_id, "reason": reason},
        )

    async def _retry(self, record: ReminderRecord, now: datetime, reason: str) -> None:
        """Registers the next attempt with back-off (the mail server or webapp is down)."""
        record.attempts += 1
        record.error = reason
        retry = record.next_name()
        await self._register(retry, now + retry_delay(record.attempts))
        record.reminder_name = retry
        record.status = "retrying"
        logger.warning(
            "reminder e-mail not sent; retrying",
            extra={"task_id": record.task_id, "attempts": record.attempts, "reason": reason},
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


def _final_status(record: ReminderRecord) -> Status:
    """What a record whose due date is done with says (an unconfirmed e-mail stays so)."""
    if not record.already_sent:
        return "failed"
    return "unconfirmed" if record.status == "unconfirmed" else "sent"
