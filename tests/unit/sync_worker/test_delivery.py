"""A change's second copy is recognised in memory, without a state read."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from common.dapr import state
from common.dapr.errors import DaprUnavailable
from sync_worker.delivery import deliver_task_event
from tests.task_event_factory import make_event
from tests.unit.fake_state import FakeStateStore


def test_second_copy_is_a_duplicate_without_reading_the_log(
    sync_worker_store: FakeStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = make_event()
    first = async_to_sync(deliver_task_event)(event)
    assert first is not None

    async def unreadable(*args: object) -> None:
        raise DaprUnavailable("must not be read")

    monkeypatch.setattr(state, "get_item", unreadable)
    assert async_to_sync(deliver_task_event)(event) is None


def test_a_new_version_is_still_logged(sync_worker_store: FakeStateStore) -> None:
    event = make_event()
    first = async_to_sync(deliver_task_event)(event)
    newer = make_event(event_type="task.updated", id=event.task.id, version=2)
    second = async_to_sync(deliver_task_event)(newer)
    assert first is not None
    assert second is not None
    assert second.event.seq == first.event.seq + 1
