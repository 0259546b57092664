"""Spans continue the trace a message carries, and the sidecar client sends traceparent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application
from django.test import Client
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from bindings_worker import actor_host
from common import dapr_names, tracing
from common.dapr import actors
from tests.task_event_factory import bulk_delivery, make_event

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"
OTHER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


@pytest.fixture
def exported() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)  # installed by the app's ready()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.clear()


def test_span_continues_the_given_traceparent(exported: InMemorySpanExporter) -> None:
    with tracing.span("websocket.send", traceparent=PARENT, user_id=7):
        assert tracing.ids() is not None
        assert tracing.current_traceparent().startswith(f"00-{TRACE_ID}-")
    (span,) = exported.get_finished_spans()
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == "b7ad6b7169203331"
    assert span.attributes == {"user_id": 7}


def test_span_in_another_trace_links_the_current_one(exported: InMemorySpanExporter) -> None:
    with tracing.span("request") as outer, tracing.span("event receive", traceparent=PARENT):
        pass
    inner = exported.get_finished_spans()[0]
    assert format(inner.context.trace_id, "032x") == TRACE_ID
    assert [link.context.span_id for link in inner.links] == [outer.get_span_context().span_id]


def test_span_without_traceparent_is_a_child_of_the_current(
    exported: InMemorySpanExporter,
) -> None:
    with tracing.span("outer") as outer, tracing.span("inner", traceparent="garbage"):
        pass
    inner = exported.get_finished_spans()[0]
    assert inner.context.trace_id == outer.get_span_context().trace_id


def test_outside_any_span_there_are_no_ids() -> None:
    assert tracing.ids() is None
    assert tracing.current_traceparent() == ""


def trace_id_of(traceparent: str) -> str:
    return traceparent.split("-")[1] if traceparent else ""


def serve(method: str, path: str) -> None:
    """One request through the services' ASGI stack (tracing middleware around Django)."""
    application = tracing.traced_http(get_asgi_application())
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"traceparent", PARENT.encode())],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip

    async def exchange() -> None:
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(10)
        assert start["type"] == "http.response.start"
        while (await communicator.receive_output(10)).get("more_body"):
            pass
        await communicator.wait(10)  # until Django closed the request's body file

    async_to_sync(exchange)()


def server_spans(exported: InMemorySpanExporter) -> list[Any]:
    return [s for s in exported.get_finished_spans() if s.kind == trace.SpanKind.SERVER]


def test_server_span_is_named_by_route_not_by_path(exported: InMemorySpanExporter) -> None:
    serve("POST", "/tasks/t-42/edit")
    (span,) = server_spans(exported)
    assert span.name == "POST /tasks/<task_id>/edit"
    assert span.attributes is not None
    assert span.attributes["http.route"] == "/tasks/<task_id>/edit"
    assert span.attributes["http.target"] == "/tasks/t-42/edit"
    assert format(span.context.trace_id, "032x") == TRACE_ID


def test_a_path_that_only_contains_a_probes_name_is_traced(exported: InMemorySpanExporter) -> None:
    serve("POST", "/tasks/metrics_path/move")
    (span,) = server_spans(exported)
    assert span.name == "POST /tasks/<task_id>/move"


@pytest.mark.parametrize("path", sorted(tracing.UNTRACED_PATHS))
def test_probes_and_scrapes_are_not_traced(exported: InMemorySpanExporter, path: str) -> None:
    serve("GET", path)
    assert server_spans(exported) == []


def test_a_path_no_route_matches_names_its_span_by_method_alone(
    exported: InMemorySpanExporter,
) -> None:
    serve("GET", "/wp-admin/setup-config.php")
    (span,) = server_spans(exported)
    assert span.name == "GET"


def test_renaming_leaves_a_span_that_is_no_server_span_alone(
    exported: InMemorySpanExporter,
) -> None:
    with tracing.span("websocket.send"):
        tracing.name_server_span("POST", "tasks/<str:task_id>/edit")
    assert [s.name for s in exported.get_finished_spans()] == ["websocket.send"]


@pytest.mark.urls("bindings_worker.urls")
def test_an_actor_call_continues_the_trace_the_sidecar_sent(
    exported: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    async def registered() -> None:
        return None

    async def dispatch(actor_type: str, actor_id: str, name: str, *_args: Any) -> bytes:
        seen.append(tracing.current_traceparent())  # what the actor's sidecar calls carry
        return b"{}"

    monkeypatch.setattr(actor_host, "ensure_registered", registered)
    monkeypatch.setattr(actor_host.ActorRuntime, "dispatch", dispatch)
    response = Client().put(
        f"/actors/{dapr_names.REMINDER_ACTOR_TYPE}/t-1/method/status",
        headers={"traceparent": PARENT},
    )
    assert response.status_code == 200, response.content
    assert [trace_id_of(t) for t in seen] == [TRACE_ID]
    (span,) = exported.get_finished_spans()
    assert span.name == f"{dapr_names.REMINDER_ACTOR_TYPE}.status"
    assert format(span.context.trace_id, "032x") == TRACE_ID


@pytest.mark.urls("bindings_worker.urls")
def test_each_bulk_entry_continues_its_own_events_trace(
    exported: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, str] = {}

    async def call(actor_type: str, actor_id: str, method: str, data: Any) -> str:
        seen[actor_id] = trace_id_of(tracing.current_traceparent())
        return "ok"

    monkeypatch.setattr(actors, "call", call)
    entries = [
        {"id": f"e-{task}", "source": "webapp", "type": "task.updated", "specversion": "1.0",
         "topic": "task-events", "traceparent": f"00-{trace_id}-b7ad6b7169203331-01",
         "data": make_event(event_type="task.updated", id=task).to_data()}
        for task, trace_id in (("t-1", TRACE_ID), ("t-2", OTHER_TRACE_ID))
    ]  # fmt: skip
    body = json.dumps(bulk_delivery(*entries))
    response = Client().post("/events/task-events", body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert seen == {"t-1": TRACE_ID, "t-2": OTHER_TRACE_ID}
    receives = [s for s in exported.get_finished_spans() if s.name == "task-events receive"]
    assert sorted(format(s.context.trace_id, "032x") for s in receives) == sorted(
        [TRACE_ID, OTHER_TRACE_ID]
    )
