"""TaskReminder, driven as the actor runtime would (the SDK's create_mock_actor), with the
reminder registration, preferences, the index and the mail binding in memory."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from dapr.actor.runtime.mock_actor import create_mock_actor

from bindings_worker import reminder_actor, smtp
from bindings_worker.emails import Email
from bindings_worker.preferences import ReminderPreferences
from bindings_worker.reminder_actor import TaskReminder
from common.dapr import actors
from common.dapr.errors import DaprUnavailable
from tests.task_event_factory import make_event

OWNER = 3
LEAD_MINUTES = 15


@dataclass
class World:
    """What the actor did outside its own state."""

    registered: dict[str, datetime] = field(default_factory=dict)
    unregistered: list[str] = field(default_factory=list)
    sent: list[Email] = field(default_factory=list)
    index: dict[str, Any] = field(default_factory=dict)
    mail_failure: Exception | None = None


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    seen = World()

    async def register(
        actor_type: str, actor_id: str, name: str, due: datetime, policy: dict[str, Any]
    ) -> None:
        seen.registered[name] = due

    async def unregister(actor_type: str, actor_id: str, name: str) -> None:
        seen.unregistered.append(name)
        if name not in seen.registered:
            raise DaprUnavailable("no such reminder")
        del seen.registered[name]

    async def preferences(owner: int) -> ReminderPreferences:
        return ReminderPreferences(lead_minutes=LEAD_MINUTES)

    async def put(owner: int, task_id: str, summary: Any) -> None:
        seen.index[task_id] = summary

    async def owner_email(owner: int) -> str:
        return "ada@example.test"

    async def send(email: Email) -> None:
        if seen.mail_failure is not None:
            raise seen.mail_failure
        seen.sent.append(email)

    monkeypatch.setattr(actors, "register_reminder", register)
    monkeypatch.setattr(actors, "unregister_reminder", unregister)
    monkeypatch.setattr(reminder_actor, "reminder_preferences", preferences)
    monkeypatch.setattr(reminder_actor.reminder_index, "put", put)
    monkeypatch.setattr(reminder_actor.users, "owner_email", owner_email)
    monkeypatch.setattr(smtp, "send", send)
    return seen


def due_in(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


def actor_for(task_id: str) -> TaskReminder:
    return create_mock_actor(TaskReminder, task_id)


def apply(actor: TaskReminder, **event: Any) -> dict[str, Any]:
    data = make_event(owner=OWNER, **event).to_data()
    return async_to_sync(actor.apply_event)(data)


def fire(actor: TaskReminder, name: str) -> None:
    async_to_sync(actor.receive_reminder)(name, b"", timedelta(0), timedelta(0))


def test_a_task_with_a_due_date_gets_one_reminder_its_lead_time_before(world: World) -> None:
    actor = actor_for("t-1")
    due = due_in(60)
    assert apply(actor, id="t-1", due=due) == {"result": "applied", "status": "scheduled"}
    [when] = world.registered.values()
    assert when == datetime.fromisoformat(due) - timedelta(minutes=LEAD_MINUTES)
    assert world.index["t-1"]["remind_at"] == when.isoformat()


def test_a_repeated_or_older_version_changes_nothing(world: World) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(60), version=2)
    before = dict(world.registered)
    assert apply(actor, id="t-1", due=due_in(90), version=2)["result"] == "ignored"
    assert apply(actor, id="t-1", due=due_in(90), version=1)["result"] == "ignored"
    assert world.registered == before


def test_a_new_due_date_moves_the_reminder(world: World) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(60), version=1)
    [first] = world.registered
    apply(actor, id="t-1", due=due_in(120), version=2, event_type="task.updated")
    assert first in world.unregistered
    [(second, when)] = world.registered.items()
    assert second != first
    assert when > datetime.now(UTC) + timedelta(minutes=100)


def test_completing_the_task_cancels_its_reminder(world: World) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(60), version=1)
    result = apply(
        actor, id="t-1", due=due_in(60), version=2, completed=True, event_type="task.completed"
    )
    assert result == {"result": "applied", "status": "cancelled"}
    assert world.registered == {}
    assert world.index["t-1"] is None


def test_a_fired_reminder_sends_one_email_and_a_second_firing_none(world: World) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES), title="Call Ada")
    [name] = world.registered
    fire(actor, name)
    fire(actor, name)
    [email] = world.sent
    assert email.to == "ada@example.test"
    assert "Call Ada" in email.subject
    assert async_to_sync(actor.status)()["status"] == "sent"


def test_mail_server_down_retries_with_back_off(world: World) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES))
    [name] = world.registered
    world.mail_failure = smtp.MailNotSent("connection refused")
    fire(actor, name)
    status = async_to_sync(actor.status)()
    assert (status["status"], status["attempts"]) == ("retrying", 1)
    retry = world.registered[status["reminder_name"]]
    assert timedelta(seconds=4) < retry - datetime.now(UTC) <= timedelta(seconds=5)
    assert world.sent == []


def test_a_refused_address_fails_for_good(world: World) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES))
    [name] = world.registered
    world.mail_failure = smtp.MailRejected("550 no such mailbox")
    fire(actor, name)
    status = async_to_sync(actor.status)()
    assert status["status"] == "failed"
    assert "550" in status["error"]
    assert status["reminder_name"] is None


def test_a_stale_reminder_sends_nothing(world: World) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES))
    fire(actor, "due-999")
    assert world.sent == []
