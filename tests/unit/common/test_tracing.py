"""Spans continue the trace a message carries, and the sidecar client sends traceparent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from common import tracing

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


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
