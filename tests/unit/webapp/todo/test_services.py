"""apply_change: one locked read-change-save per request, its event through the outbox and
published directly; on a store that behaves like state.redis (no rollback)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from common import tracing
from common.dapr import lock, publish
from common.dapr.errors import DaprConflict, DaprUnavailable
from common.dapr.state import Upsert
from common.dapr_names import TASK_LIVE_TOPIC, TASK_STORE
from tests.unit.fake_state import FakeStateStore
from webapp.todo import services
from webapp.todo.services import ListBusy, _operations, apply_change
from webapp.todo.tasklist import TaskList, list_key

OWNER = 7
PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


class FakeLocks:
    """The lock API in memory: a resource is held by one owner until unlocked."""

    def __init__(self) -> None:
        self.holders: dict[str, str] = {}
        self.taken = 0

    async def try_lock(self, resource_id: str, owner: str, expiry_seconds: int) -> bool:
        if resource_id in self.holders:
            return False
        self.holders[resource_id] = owner
        self.taken += 1
        return True

    async def unlock(self, resource_id: str, owner: str) -> None:
        if self.holders.get(resource_id) == owner:
            del self.holders[resource_id]


AUDIT = {"id": "a-1", "action": "task.created"}


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeStateStore:
    fake = FakeStateStore()
    fake.outbox_stores.add(TASK_STORE)
    fake.install(monkeypatch)
    return fake


@pytest.fixture
def locks(monkeypatch: pytest.MonkeyPatch) -> FakeLocks:
    fake = FakeLocks()
    monkeypatch.setattr(lock, "try_lock", fake.try_lock)
    monkeypatch.setattr(lock, "unlock", fake.unlock)
    return fake


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, dict[str, Any]]]:
    """What was published directly: (topic, event id, data)."""
    seen: list[tuple[str, str, dict[str, Any]]] = []

    async def record(
        topic: str, event_id: str, event_type: str, source: str, data: dict[str, Any]
    ) -> None:
        seen.append((topic, event_id, data))

    monkeypatch.setattr(publish, "publish_cloudevent", record)
    return seen


def create(title: str, key: str = "k-1") -> services.Outcome:
    return async_to_sync(apply_change)(
        OWNER, key, lambda tasks: tasks.create({"title": title}, "UTC")
    )


def stored_titles(store: FakeStateStore) -> list[str]:
    value = store.value(TASK_STORE, list_key(OWNER))
    return [task.title for task in TaskList.from_state(OWNER, value).ordered()]


def test_a_change_is_saved_published_through_the_outbox_and_directly(
    store: FakeStateStore, locks: FakeLocks, published: list[tuple[str, str, dict[str, Any]]]
) -> None:
    outcome = create("Buy milk")
    assert outcome.task is not None
    assert outcome.event_type == "task.created"
    assert stored_titles(store) == ["Buy milk"]
    [outboxed] = store.outbox
    assert outboxed["task"]["title"] == "Buy milk"
    assert outboxed["version"] == 1
    [(topic, event_id, data)] = published
    assert (topic, event_id) == (TASK_LIVE_TOPIC, f"{outcome.task.id}:1")
    # The audit record rides only in the outbox event (saved iff the change is).
    assert data == {k: v for k, v in outboxed.items() if k != "audit"}
    assert (outboxed["audit"]["action"], outboxed["audit"]["target"]) == (
        "task.created",
        {"type": "task", "id": outcome.task.id},
    )
    assert locks.holders == {}  # released


def test_a_repeated_idempotency_key_answers_from_the_list_without_a_second_change(
    store: FakeStateStore, locks: FakeLocks, published: list[tuple[str, str, dict[str, Any]]]
) -> None:
    first = create("Buy milk", key="same")
    again = create("Buy milk", key="same")
    assert again.replayed
    assert again.task == first.task
    assert stored_titles(store) == ["Buy milk"]
    assert len(store.outbox) == 1
    assert len(published) == 1


def test_a_failed_direct_publish_still_answers_the_saved_change(
    store: FakeStateStore, locks: FakeLocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(*args: Any) -> None:
        raise DaprUnavailable("pubsub down")

    monkeypatch.setattr(publish, "publish_cloudevent", down)
    assert create("Buy milk").task is not None
    assert len(store.outbox) == 1  # the outbox still delivers it


def test_a_list_whose_lock_stays_taken_is_busy(
    store: FakeStateStore,
    locks: FakeLocks,
    published: list[tuple[str, str, dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    locks.holders[list_key(OWNER)] = "another instance"
    monkeypatch.setattr(services, "LOCK_WAIT_SECONDS", 0.05)
    with pytest.raises(ListBusy):
        create("Buy milk")
    assert (TASK_STORE, list_key(OWNER)) not in store.items
    assert store.outbox == []
    assert published == []


def test_concurrent_writers_of_one_list_each_save_and_publish_once(
    store: FakeStateStore, locks: FakeLocks, published: list[tuple[str, str, dict[str, Any]]]
) -> None:
    async def both() -> None:
        await asyncio.gather(
            apply_change(OWNER, "a", lambda tasks: tasks.create({"title": "A"}, "UTC")),
            apply_change(OWNER, "b", lambda tasks: tasks.create({"title": "B"}, "UTC")),
        )

    async_to_sync(both)()
    assert sorted(stored_titles(store)) == ["A", "B"]
    assert sorted(event["task"]["title"] for event in store.outbox) == ["A", "B"]


def test_without_the_lock_a_lost_etag_race_still_publishes_its_change(
    store: FakeStateStore,
) -> None:
    """The hazard the writers' lock exists for: state.redis does not roll back, so the
    outbox publishes the change of a transaction whose save lost its ETag."""
    store.put(TASK_STORE, list_key(OWNER), TaskList.empty(OWNER).to_state())
    etag = "1"  # both writers read the empty list
    rival, loser = TaskList.empty(OWNER), TaskList.empty(OWNER)
    rival_change = rival.create({"title": "rival"}, "UTC")
    loser_change = loser.create({"title": "never saved"}, "UTC")
    async_to_sync(store.transact)(
        TASK_STORE, _operations(OWNER, rival, etag, rival_change.event, AUDIT)
    )
    with pytest.raises(DaprConflict):
        async_to_sync(store.transact)(
            TASK_STORE, _operations(OWNER, loser, etag, loser_change.event, AUDIT)
        )
    assert stored_titles(store) == ["rival"]
    assert [event["task"]["title"] for event in store.outbox] == ["rival", "never saved"]


def test_the_save_carries_the_request_trace_for_the_outbox_event() -> None:
    tasks = TaskList.empty(OWNER)
    change = tasks.create({"title": "t"}, "UTC")
    with tracing.span("request", traceparent=PARENT):
        save, projection = _operations(OWNER, tasks, None, change.event, AUDIT)
    assert save["request"]["metadata"]["traceparent"].startswith(
        "00-0af7651916cd43dd8448eb211c80319c-"
    )
    assert (
        projection
        == Upsert(
            list_key(OWNER),
            {**change.event.to_data(), "audit": AUDIT},
            metadata={"outbox.projection": "true", "contentType": "application/json"},
        ).to_operation()
    )
