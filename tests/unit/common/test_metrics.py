"""The named series, the request middlewares, /metrics, delivery counting, and the
live-sync consumer's sockets, catch-ups and delivery latency."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client
from prometheus_client import REGISTRY

from common import metrics
from sync_worker import consumers
from sync_worker.protocol import refresh_message
from tests.task_event_factory import make_event
from tests.unit.fake_state import FakeStateStore
from tests.unit.sync_worker import test_consumers as consumer_tests

EVENT = {
    "id": "t-1:1",
    "source": "webapp",
    "type": "task.created",
    "specversion": "1.0",
    "topic": "task-events",
    "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "data": {
        **make_event().to_data(),
        "occurred_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
    },
}


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_seconds_since_reads_iso_times() -> None:
    now = datetime(2026, 1, 1, 12, 0, 1, tzinfo=UTC)
    assert metrics.seconds_since("2026-01-01T12:00:00.500+00:00", now) == 0.5
    assert metrics.seconds_since("2026-01-01T12:00:00", now) == 1.0
    assert metrics.seconds_since("yesterday", now) is None
    assert metrics.seconds_since((now + timedelta(seconds=3)).isoformat(), now) == 0.0


def test_metrics_endpoint_exposes_every_named_series(client: Client) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    for series in metrics.NAMED_SERIES:
        assert f"# HELP {series._name}" in text


def test_requests_are_timed_by_view(client: Client) -> None:
    before = sample(
        "dapr_todo_http_request_duration_seconds_count", view="login", method="GET", status="200"
    )
    client.get("/accounts/login/")
    after = sample(
        "dapr_todo_http_request_duration_seconds_count", view="login", method="GET", status="200"
    )
    assert after == before + 1


def test_unknown_paths_share_one_label(client: Client) -> None:
    client.get("/no-such-page-1")
    client.get("/no-such-page-2")
    assert (
        sample(
            "dapr_todo_http_request_duration_seconds_count",
            view="unmatched",
            method="GET",
            status="404",
        )
        >= 2
    )


def test_request_log_line_has_method_path_status_and_trace(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    client.get("/accounts/login/", headers={"traceparent": EVENT["traceparent"]})
    (line,) = [r for r in caplog.records if r.name == "dapr_todo.requests"]
    assert (line.method, line.path, line.status, line.view) == (
        "GET",
        "/accounts/login/",
        200,
        "login",
    )
    assert line.duration_ms >= 0


@pytest.mark.urls("sync_worker.urls")
@pytest.mark.usefixtures("sync_worker_store")
def test_an_acknowledged_event_counts_as_delivered() -> None:
    labels = {"topic": "task-events", "event_type": "task.created"}
    before = sample("dapr_todo_events_delivered_total", **labels)
    latency_before = sample(
        "dapr_todo_event_receive_latency_seconds_count", topic="task-events", route="direct"
    )
    Client().post("/events/task-events-live", json.dumps(EVENT), content_type="application/json")
    assert sample("dapr_todo_events_delivered_total", **labels) == before + 1
    assert (
        sample("dapr_todo_event_receive_latency_seconds_count", topic="task-events", route="direct")
        == latency_before + 1
    )


@pytest.mark.urls("sync_worker.urls")
@pytest.mark.usefixtures("sync_worker_store")
def test_a_dropped_event_is_not_delivered_and_a_dead_letter_is_counted() -> None:
    before = sample("dapr_todo_events_delivered_total", topic="task-events", event_type="")
    Client().post("/events/task-events-live", "{oops", content_type="application/json")
    assert sample("dapr_todo_events_delivered_total", topic="task-events", event_type="") == before
    dead = {**EVENT, "topic": "task-events-dead"}
    dead_before = sample("dapr_todo_events_dead_lettered_total", topic="task-events-dead")
    Client().post("/events/task-events-dead", json.dumps(dead), content_type="application/json")
    assert (
        sample("dapr_todo_events_dead_lettered_total", topic="task-events-dead") == dead_before + 1
    )


# --- the live-sync consumer's series (its scenarios: tests/unit/sync_worker/test_consumers.py) ---


@pytest.fixture
def consumer_setup(
    sync_worker_store: FakeStateStore, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The consumer tests' world: an allowed origin and a session "good" of their user."""
    settings.SYNC_ALLOWED_ORIGINS = [consumer_tests.ORIGIN]

    async def find_session_user(key: str) -> int | None:
        return consumer_tests.USER if key == "good" else None

    monkeypatch.setattr(consumers, "find_session_user", find_session_user)


def open_sockets() -> float:
    return sample("dapr_todo_open_websockets")


def catchups(answer: str) -> float:
    return sample("dapr_todo_catchups_served_total", answer=answer)


@pytest.mark.django_db
@pytest.mark.usefixtures("consumer_setup")
def test_an_open_socket_is_counted_until_it_closes() -> None:
    before = open_sockets()

    async def scenario(socket: WebsocketCommunicator) -> None:
        await consumer_tests.hello(socket)
        assert open_sockets() == before + 1

    consumer_tests.run(scenario)
    assert open_sockets() == before


@pytest.mark.django_db
@pytest.mark.usefixtures("consumer_setup")
def test_a_socket_refused_for_want_of_a_session_is_not_counted() -> None:
    before = open_sockets()

    async def scenario(socket: WebsocketCommunicator) -> None:
        connected, _ = await socket.connect()
        assert connected  # accepted, to be closed with 4401
        assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}
        assert open_sockets() == before

    consumer_tests.run(scenario, session="bad")


@pytest.mark.django_db
@pytest.mark.usefixtures("consumer_setup")
def test_a_socket_whose_handler_raised_leaves_the_gauge(monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_args: Any) -> None:
        raise RuntimeError("a bug in catch-up")

    monkeypatch.setattr(consumers, "load_catch_up", broken)
    before = open_sockets()

    async def scenario() -> None:
        socket = consumer_tests.communicator()
        await consumer_tests.hello(socket)
        with pytest.raises(RuntimeError):
            await socket.receive_from()  # the consumer died: no disconnect handler runs

    async_to_sync(scenario)()
    assert open_sockets() == before


@pytest.mark.django_db
@pytest.mark.usefixtures("consumer_setup")
def test_a_catch_up_is_counted_only_when_it_sent_something() -> None:
    events_before, refresh_before = catchups("events"), catchups("refresh")

    async def scenario(socket: WebsocketCommunicator) -> None:
        await consumer_tests.log_events(2)
        await consumer_tests.hello(socket, after=2)  # missed nothing
        assert await socket.receive_nothing()
        assert catchups("events") == events_before
        await socket.send_json_to({"type": "resync", "after": 0})
        await consumer_tests.receive_event(socket, 1)
        await consumer_tests.receive_event(socket, 2)
        assert catchups("events") == events_before + 1
        await socket.send_json_to({"type": "resync", "after": 9})  # ahead of the log
        assert await socket.receive_from() == refresh_message(2)
        assert catchups("refresh") == refresh_before + 1

    consumer_tests.run(scenario)


@pytest.mark.django_db
@pytest.mark.usefixtures("consumer_setup")
def test_a_live_push_observes_the_delivery_latency_a_catch_up_does_not() -> None:
    count = "dapr_todo_event_delivery_latency_seconds_count"
    total = "dapr_todo_event_delivery_latency_seconds_sum"
    before, sum_before = sample(count), sample(total)

    async def scenario(socket: WebsocketCommunicator) -> None:
        await consumer_tests.log_events(1)
        await consumer_tests.hello(socket, after=0)
        await consumer_tests.receive_event(socket, 1)  # caught up: not a delivery
        assert sample(count) == before
        [second] = await consumer_tests.log_events(1, first=2)
        await consumer_tests.push(second)
        await consumer_tests.receive_event(socket, 2)
        assert sample(count) == before + 1
        # Since the event's occurred_at (the factory's, long ago), not since the push.
        occurred = datetime.fromisoformat(second.event.data["occurred_at"])
        elapsed = sample(total) - sum_before
        assert elapsed >= (datetime.now(UTC) - occurred).total_seconds() - 60

    consumer_tests.run(scenario)
