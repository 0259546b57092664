"""TaskReminder, driven as the actor runtime would (the SDK's create_mock_actor), with the
reminder registration, preferences, the index and the mail binding in memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
    mail_failure: BaseException | None = None
    verified_email: str = "ada@example.test"
    preferences_unknown: bool = False
    # Awaited inside a send, before its outcome: what else happens while it is in flight.
    during_send: Callable[[], Awaitable[None]] | None = None


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
        return ReminderPreferences(
            lead_minutes=LEAD_MINUTES,
            verified_email=seen.verified_email,
            unknown=seen.preferences_unknown,
        )

    async def put(owner: int, task_id: str, summary: Any) -> None:
        seen.index[task_id] = summary

    async def owner_email(owner: int) -> str:
        return "ada@example.test"

    async def send(email: Email) -> None:
        if seen.during_send is not None:
            await seen.during_send()
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


@pytest.mark.parametrize("verified", ["", "someone-else@example.test"])
def test_a_reminder_for_an_unverified_address_sends_nothing(world: World, verified: str) -> None:
    world.verified_email = verified
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES))
    [name] = world.registered
    fire(actor, name)
    assert world.sent == []
    status = async_to_sync(actor.status)()
    assert status["status"] == "failed"
    assert "not verified" in status["error"]


def test_preferences_unavailable_retries_instead_of_failing(world: World) -> None:
    world.verified_email, world.preferences_unknown = "", True
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES))
    [name] = world.registered
    fire(actor, name)
    assert world.sent == []
    status = async_to_sync(actor.status)()
    assert (status["status"], status["attempts"]) == ("retrying", 1)


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


def status_of(actor: TaskReminder) -> dict[str, Any]:
    return async_to_sync(actor.status)()


def test_the_attempt_is_stored_as_sending_before_the_mail_goes_out(world: World) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES))
    [name] = world.registered
    stored: list[dict[str, Any]] = []

    async def look() -> None:
        stored.append(await actor.status())
        assert world.index["t-1"]["status"] == "sending"  # "Upcoming reminders" shows it

    world.during_send = look
    fire(actor, name)
    [during] = stored
    assert (during["status"], during["reminder_name"]) == ("sending", name)
    assert world.index["t-1"]["status"] == "sent"
    assert status_of(actor)["status"] == "sent"


def test_a_reminder_firing_again_during_a_send_sends_no_second_email(world: World) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES))
    [name] = world.registered

    async def fire_again() -> None:  # the sidecar let go of the turn; the failure policy re-fires
        world.during_send = None
        await actor.receive_reminder(name, b"", timedelta(0), timedelta(0))

    world.during_send = fire_again
    fire(actor, name)
    assert len(world.sent) == 1
    assert status_of(actor)["status"] == "sent"
    # The re-fire only arranged to look again once the first send could be over.
    [recheck] = [when for reminder, when in world.registered.items() if reminder != name]
    wait = recheck - datetime.now(UTC)
    longest = timedelta(seconds=smtp.LONGEST_SEND_SECONDS)
    assert longest < wait <= longest + reminder_actor.IN_FLIGHT_MARGIN
    [looked_again] = [reminder for reminder in world.registered if reminder != name]
    fire(actor, looked_again)
    assert len(world.sent) == 1


def test_an_event_during_a_send_schedules_no_second_attempt(world: World) -> None:
    actor = actor_for("t-1")
    due = due_in(LEAD_MINUTES)
    apply(actor, id="t-1", due=due, version=1)
    [name] = world.registered
    del world.registered[name]  # fired: a one-shot reminder is gone
    results: list[dict[str, Any]] = []

    async def edit() -> None:
        world.during_send = None
        data = make_event(owner=OWNER, id="t-1", due=due, version=2, title="Renamed").to_data()
        results.append(await actor.apply_event(data))

    world.during_send = edit
    fire(actor, name)
    assert results == [{"result": "applied", "status": "sending"}]
    assert world.registered == {}
    assert len(world.sent) == 1


def test_a_send_that_got_no_answer_is_unconfirmed_and_never_repeated(world: World) -> None:
    actor = actor_for("t-1")
    due = due_in(LEAD_MINUTES)
    apply(actor, id="t-1", due=due, version=1)
    [name] = world.registered
    del world.registered[name]
    world.mail_failure = smtp.MailInDoubt("no answer in 60 s")
    fire(actor, name)
    status = status_of(actor)
    assert (status["status"], status["reminder_name"]) == ("unconfirmed", None)
    assert "60 s" in status["error"]
    assert world.registered == {}
    world.mail_failure = None
    fire(actor, name)  # a late repeat of the same firing
    apply(actor, id="t-1", due=due, version=2, title="Renamed", event_type="task.updated")
    assert world.registered == {}
    assert world.sent == []
    assert status_of(actor)["status"] == "unconfirmed"


def test_a_new_due_date_after_an_unconfirmed_email_gets_a_reminder(world: World) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES), version=1)
    [name] = world.registered
    del world.registered[name]
    world.mail_failure = smtp.MailInDoubt("no answer in 60 s")
    fire(actor, name)
    apply(actor, id="t-1", due=due_in(120), version=2, event_type="task.updated")
    assert status_of(actor)["status"] == "scheduled"
    assert len(world.registered) == 1


def test_a_turn_cut_off_mid_send_makes_the_refire_wait_then_give_up(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES))
    [name] = world.registered
    world.mail_failure = RuntimeError("the turn was cut off")  # as an unexpected failure
    with pytest.raises(RuntimeError):
        fire(actor, name)
    assert status_of(actor)["status"] == "sending"
    world.mail_failure = None
    fire(actor, name)  # the failure policy's re-fire, while the attempt may be in flight
    assert world.sent == []
    status = status_of(actor)
    assert status["status"] == "sending"
    assert status["reminder_name"] in world.registered
    # Once no turn can still be waiting for it, the attempt is given up as unconfirmed.
    monkeypatch.setattr(smtp, "LONGEST_SEND_SECONDS", -60.0)
    fire(actor, status["reminder_name"])
    assert world.sent == []
    status = status_of(actor)
    assert (status["status"], status["reminder_name"]) == ("unconfirmed", None)
    assert "without an answer" in status["error"]


def test_a_definite_failure_still_retries_after_sending_was_recorded(world: World) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES))
    [name] = world.registered
    world.mail_failure = smtp.MailNotSent("connection refused")
    fire(actor, name)
    status = status_of(actor)
    assert (status["status"], status["sending_since"]) == ("retrying", None)
    world.mail_failure = None
    fire(actor, status["reminder_name"])
    assert len(world.sent) == 1
    assert status_of(actor)["status"] == "sent"


def test_an_index_failure_before_the_attempt_does_not_stop_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor = actor_for("t-1")
    apply(actor, id="t-1", due=due_in(LEAD_MINUTES))
    [name] = world.registered

    async def index_down(owner: int, task_id: str, summary: Any) -> None:
        raise DaprUnavailable("OwnerReminders did not answer")

    async def index_back() -> None:
        monkeypatch.setattr(reminder_actor.reminder_index, "put", put_back)

    put_back = reminder_actor.reminder_index.put
    monkeypatch.setattr(reminder_actor.reminder_index, "put", index_down)
    world.during_send = index_back
    fire(actor, name)
    assert len(world.sent) == 1
    assert status_of(actor)["status"] == "sent"
