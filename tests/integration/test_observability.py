"""Traces in Zipkin across apps and sidecars, Prometheus series, JSON logs, the operator page."""

from __future__ import annotations

import json
import secrets
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from common import metrics
from devtools import commands, observability
from tests.conftest import TEST_SETTINGS, RunningSystem
from tests.integration.webapp_http import WebappUser

pytestmark = [pytest.mark.integration, pytest.mark.pubsub]

PACKAGES = ["webapp", "sync_worker", "bindings_worker"]
DEADLINE_SECONDS = 45.0


def poll(what: str, attempt: Callable[[], Any], deadline: float = DEADLINE_SECONDS) -> Any:
    """The first truthy result of `attempt`, polling until the deadline."""
    give_up = time.monotonic() + deadline
    last: Any = None
    while time.monotonic() < give_up:
        last = attempt()
        if last:
            return last
        time.sleep(0.5)
    pytest.fail(f"{what} not seen within {deadline:.0f} s; last: {last!r}")


def is_app_span(span: dict[str, Any]) -> bool:
    """Python spans carry the OpenTelemetry library tag; daprd's do not."""
    return "otel.library.name" in span.get("tags", {})


def hops(spans: list[dict[str, Any]]) -> set[str]:
    found = set()
    for span in spans:
        service = span.get("localEndpoint", {}).get("serviceName", "")
        found.add(f"{service} {'app' if is_app_span(span) else 'sidecar'}")
    return found


@pytest.fixture(scope="module")
def user(system: RunningSystem) -> Iterator[WebappUser]:
    signed_up = WebappUser(system.service("webapp").app_url)
    yield signed_up
    signed_up.close()


def test_one_trace_runs_from_the_request_through_both_sidecars_to_sync_worker(
    system: RunningSystem, user: WebappUser
) -> None:
    # As a traced browser would: the request starts the trace, sampled.
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    response = user.post("/tasks/", {"title": "traced"}, headers={"traceparent": traceparent})
    assert response.status_code == 201, response.text
    zipkin = observability.zipkin_url(system.topology)
    wanted = {"webapp app", "webapp sidecar", "sync-worker sidecar", "sync-worker app"}
    # bindings-worker's bulk handler continues each entry's trace (`task-events receive`).
    wanted.add("bindings-worker app")
    # The sidecars' spans of the save, the live publish, and both deliveries (the outbox's
    # about a second later, in bulk), and the app's span of each delivery.
    named = {
        "/v1.0/state/taskstore/transaction",
        "/v1.0/publish/pubsub/task-events-live",
        "pubsub/task-events-live",
        "pubsub/task-events",
        "task-events-live receive",
        "task-events receive",
        # webapp's server span, named by its route (Zipkin lowercases span names).
        "post /tasks/",
    }

    seen: list[dict[str, Any]] = []

    def whole_trace() -> list[dict[str, Any]] | None:
        answer = httpx.get(f"{zipkin}/api/v2/trace/{trace_id}", timeout=5)
        if answer.status_code != 200:
            return None
        seen[:] = answer.json()
        # Spans reach Zipkin in batches, each process's in its own time: wait for all.
        complete = wanted <= hops(seen) and named <= {s["name"] for s in seen}
        return seen if complete else None

    try:
        poll("a trace with every hop and both deliveries", whole_trace)
    finally:
        print(sorted((s["name"], s["localEndpoint"]["serviceName"], is_app_span(s)) for s in seen))


def test_every_service_exposes_the_named_series(system: RunningSystem) -> None:
    for package in PACKAGES:
        exposition = httpx.get(f"{system.service(package).app_url}/metrics", timeout=5).text
        for series in metrics.NAMED_SERIES:
            family = next(iter(series.collect()))
            # The text format names a counter's family with its `_total` suffix.
            name = f"{family.name}_total" if family.type == "counter" else family.name
            assert f"# TYPE {name} {family.type}\n" in exposition, (package, name)
        assert "_created" not in exposition, "created-time series only double the count"


def test_a_task_change_counts_as_published_and_delivered(
    system: RunningSystem, user: WebappUser
) -> None:
    user.create("counted")

    def value(package: str, name: str) -> float:
        text = httpx.get(f"{system.service(package).app_url}/metrics", timeout=5).text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith(f"{name}{{") or line.startswith(f"{name} ")
        )

    poll("published events", lambda: value("webapp", "dapr_todo_events_published_total") >= 2)
    poll("delivered events", lambda: value("sync_worker", "dapr_todo_events_delivered_total") >= 1)
    poll(
        "a receive latency",
        lambda: value("sync_worker", "dapr_todo_event_receive_latency_seconds_count") >= 1,
    )
    assert value("webapp", "dapr_todo_http_request_duration_seconds_count") >= 1


def test_prometheus_scrapes_every_app_and_sidecar(system: RunningSystem) -> None:
    prometheus = observability.prometheus_url(system.topology)
    expected = {(job, s.app_id) for s in system.topology.services for job in ("apps", "sidecars")}

    def healthy_targets() -> set[tuple[str, str]] | None:
        targets = httpx.get(f"{prometheus}/api/v1/targets", timeout=5).json()["data"]
        up = {
            (t["labels"]["job"], t["labels"]["app_id"])
            for t in targets["activeTargets"]
            if t["health"] == "up"
        }
        return up if expected <= up else None

    poll("every app and sidecar scraped and up", healthy_targets)


def test_every_app_log_line_is_json_and_request_logs_carry_a_trace_id(
    system: RunningSystem, user: WebappUser
) -> None:
    user.create("logged")
    for package in PACKAGES:
        lines = system.app_process(package).lines
        assert lines, package
        records = []
        for line in lines:
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pytest.fail(f"{package} logged a line that is not JSON: {line[:300]}")
        for record in records:
            assert {"timestamp", "level", "app_id", "message"} <= record.keys(), record
        # Never an e-mail address or a password (WebappUser signs up with both).
        assert not [line for line in lines if "@example.com" in line or "correct-horse" in line]
        requests = [r for r in records if r.get("logger") == "dapr_todo.requests"]
        assert requests, package
        for request in requests:
            assert len(request.get("trace_id", "")) == 32, (package, request)
            assert {"method", "path", "status", "duration_ms"} <= request.keys()
    webapp_requests = [
        json.loads(line)
        for line in system.app_process("webapp").lines
        if '"path": "/tasks/"' in line and '"dapr_todo.requests"' in line
    ]
    assert all(isinstance(r.get("user_id"), int) for r in webapp_requests), webapp_requests


def make_staff(system: RunningSystem, username: str) -> None:
    command = commands.migrate(system.topology, TEST_SETTINGS)
    code = (
        "from django.contrib.auth import get_user_model;"
        f"get_user_model().objects.filter(username={username!r}).update(is_staff=True)"
    )
    subprocess.run(
        [command.argv[0], "manage.py", "shell", "-c", code],
        env=command.full_env(),
        cwd=system.group.cwd,
        check=True,
        timeout=60,
    )


def test_the_operator_page_is_for_staff_only(system: RunningSystem, user: WebappUser) -> None:
    base = system.service("webapp").app_url
    anonymous = httpx.get(f"{base}/ops/", timeout=5)
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous.headers["location"]
    assert user.client.get("/ops/").status_code == 403
    assert user.client.get("/ops/data").status_code == 403


def test_the_operator_page_shows_every_service_through_invocation(
    system: RunningSystem,
) -> None:
    staff = WebappUser(system.service("webapp").app_url)
    make_staff(system, staff.username)
    page = staff.client.get("/ops/")
    assert page.status_code == 200
    assert 'id="chart-latency"' in page.text
    assert 'id="chart-sockets"' in page.text
    # mDNS resolves an app id to any instance on this host, so while another system runs here
    # (another checkout's tests) an invocation may reach its service: collect a healthy
    # answer from each of ours over a few samples.
    answers: dict[str, dict[str, Any]] = {}

    def every_service_answered() -> bool:
        sample = staff.client.get("/ops/data", headers={"Accept": "application/json"}).json()
        assert set(sample["services"]) == {s.app_id for s in system.topology.services}
        for app_id, info in sample["services"].items():
            if info["healthy"] and "events_delivered" in info.get("events", {}):
                answers[app_id] = info
        return len(answers) == len(system.topology.services)

    poll("a healthy answer from every service", every_service_answered)
    for app_id, info in answers.items():
        assert info["app_id"] == app_id
        assert any(c.startswith("pubsub ") for c in info["sidecar"]["components"]), info
    assert "pubsub/task-events" in answers["sync-worker"]["sidecar"]["subscriptions"]
    # What the charts read: every series they draw is in each service's sample.
    charted = {"events_published", "events_delivered", "events_dead_lettered", "open_websockets",
               "catchups_served", "receive_latency", "delivery_latency"}  # fmt: skip
    assert charted <= answers["sync-worker"]["events"].keys()
    staff.close()


def test_ops_metadata_answers_only_the_webapp(system: RunningSystem) -> None:
    sync_worker = system.service("sync_worker")
    direct = httpx.get(f"{sync_worker.app_url}/ops/metadata", timeout=5)
    assert direct.status_code == 401  # no app token: not through a sidecar
    forged = httpx.get(
        f"{sync_worker.app_url}/ops/metadata",
        headers={"dapr-api-token": system.app_api_token, "dapr-caller-app-id": "bindings-worker"},
        timeout=5,
    )
    assert forged.status_code == 403  # the token, but a caller other than webapp
