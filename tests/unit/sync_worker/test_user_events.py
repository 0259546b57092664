"""User events reach every tab of their user as one logged refresh entry."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client

from common.dapr import state
from common.dapr.errors import DaprUnavailable
from common.dapr_names import STATE_STORE
from common.user_events import PREFERENCES_CHANGED, UserEvent
from sync_worker.sequencer import log_key
from tests.unit.fake_state import FakeStateStore, logged_events

pytestmark = pytest.mark.urls("sync_worker.urls")


def post(data: Any, event_id: str = "e-1") -> Any:
    envelope = {"id": event_id, "source": "webapp", "type": "user.preferences_changed",
                "specversion": "1.0", "topic": "user-events", "data": data}  # fmt: skip
    return Client(enforce_csrf_checks=True).post(
        "/events/user-events", json.dumps(envelope), content_type="application/cloudevents+json"
    )


def test_user_event_logs_a_refresh_and_pushes_it(sync_worker_store: FakeStateStore) -> None:
    event = UserEvent.new(PREFERENCES_CHANGED, 5)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("user.5", channel)
    assert post(event.to_data()).json() == {"status": "SUCCESS"}
    pushed = async_to_sync(layer.receive)(channel)
    assert (pushed["seq"], pushed["refresh"]) == (1, True)
    [logged] = logged_events(sync_worker_store, 5)
    assert logged["dedupe_key"] == event.dedupe_key


def test_user_event_redelivered_gets_no_new_seq(sync_worker_store: FakeStateStore) -> None:
    data = UserEvent.new(PREFERENCES_CHANGED, 5).to_data()
    post(data, "first")
    assert post(data, "again").json() == {"status": "SUCCESS"}
    assert sync_worker_store.value(STATE_STORE, log_key(5))["seq"] == 1


@pytest.mark.parametrize(
    "change", [{"type": "task.created"}, {"owner": "5"}, {"id": ""}, {"occurred_at": None}]
)
def test_malformed_user_event_is_dropped(
    sync_worker_store: FakeStateStore, change: dict[str, Any]
) -> None:
    data = {**UserEvent.new(PREFERENCES_CHANGED, 5).to_data(), **change}
    assert post(data).json() == {"status": "DROP"}


def test_user_event_with_state_down_is_retried(
    sync_worker_store: FakeStateStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def unavailable(*args: object) -> None:
        raise DaprUnavailable("sidecar down")

    monkeypatch.setattr(state, "get_item", unavailable)
    assert post(UserEvent.new(PREFERENCES_CHANGED, 5).to_data()).json() == {"status": "RETRY"}
