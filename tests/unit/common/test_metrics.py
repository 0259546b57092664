"""The named series, the request middlewares, /metrics, and delivery counting."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from prometheus_client import REGISTRY

from common import metrics
from tests.task_event_factory import make_event

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
