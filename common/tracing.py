"""OpenTelemetry tracing for the services: one provider per process exporting to Zipkin,
W3C trace context on every sidecar call, and spans that other modules open by name.

Sidecars and apps report to the same Zipkin server and sample with the same rate
(TRACING_SAMPLING_RATE), and an app follows its caller's sampling decision, so a trace is
either whole or absent. With the rate at 0 the ids still exist (logs carry them) but
nothing is recorded or exported.

For the WebSocket send and the reminder path, call `span(...)`:

    with tracing.span("websocket.send", traceparent=message.get("traceparent"), user_id=uid):
        await self.send(text_data=...)

and carry `current_traceparent()` in any message that crosses a task or process boundary
(a channel-layer message, an actor's state) so the work on the far side joins the trace.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from opentelemetry import context, trace
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Link, NonRecordingSpan, Span, SpanContext, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

logger = logging.getLogger(__name__)

TRACER_NAME = "dapr_todo"
# Probes and scrapes every few seconds would bury the traces people look for.
UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
# OpenTelemetry searches each pattern anywhere in "scheme://host/path": anchored to the
# whole path, so that a request such as POST /tasks/metrics_path/move is still traced.
EXCLUDED_URLS = ",".join(rf"^[a-z]+://[^/]+{re.escape(path)}$" for path in sorted(UNTRACED_PATHS))

_propagator = TraceContextTextMapPropagator()
_configured = False


def configure() -> None:
    """Installs the tracer provider (once per process); runs from AppConfig.ready()."""
    global _configured
    if _configured:
        return
    _configured = True
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: settings.DAPR_APP_ID}),
        sampler=ParentBased(TraceIdRatioBased(settings.TRACING_SAMPLING_RATE)),
    )
    if settings.TRACING_ZIPKIN_ENDPOINT:
        from opentelemetry.exporter.zipkin.json import ZipkinExporter

        provider.add_span_processor(
            BatchSpanProcessor(ZipkinExporter(endpoint=settings.TRACING_ZIPKIN_ENDPOINT))
        )
    trace.set_tracer_provider(provider)


def traced_http(application: Any) -> Any:
    """`application` (an ASGI HTTP app) with a server span per request, joining the caller's
    traceparent.

    OpenTelemetry's ASGI middleware, not its Django instrumentation: that one inserts a
    synchronous middleware, which makes Django run every request's whole middleware chain
    on its one thread-sensitive worker thread, one request at a time.
    """
    return OpenTelemetryMiddleware(
        application,
        excluded_urls=EXCLUDED_URLS,
        exclude_spans=["receive", "send"],
        default_span_details=_method_only,
    )


def _method_only(scope: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The server span's name until Django resolved the route (`name_server_span`): the
    method alone, as OpenTelemetry's HTTP conventions say, so that a path Django cannot
    route (a scanner's) does not become a span name of its own. The raw path is still
    the span's `http.target` attribute."""
    return str(scope.get("method", "HTTP")), {}


# `<str:task_id>` in a Django route reads `<task_id>` in a span name.
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def name_server_span(method: str, route: str) -> None:
    """Names the current request's server span `METHOD /route` (e.g. `POST /tasks/<task_id>/edit`)
    once Django resolved the URL, so that spans group by endpoint, not one name per task id.

    Only a server span is renamed: outside the ASGI middleware (a test client) the current
    span is someone else's, or none.
    """
    current = trace.get_current_span()
    if getattr(current, "kind", None) != SpanKind.SERVER or not current.is_recording():
        return
    template = "/" + _CONVERTER.sub(r"<\1>", route)
    current.update_name(f"{method} {template}")
    current.set_attribute("http.route", template)


def _tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME)


def current_traceparent() -> str:
    """The W3C traceparent of the current span ("" outside any trace)."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent", "")


def _span_context(traceparent: str) -> SpanContext:
    carrier = {"traceparent": traceparent} if traceparent else {}
    return trace.get_current_span(_propagator.extract(carrier)).get_span_context()


@contextmanager
def span(
    name: str,
    traceparent: str = "",
    kind: SpanKind = SpanKind.INTERNAL,
    **attributes: str | int | float | bool,
) -> Iterator[Span]:
    """A span named `name`, child of `traceparent` when given and valid, else of the current span.

    When both exist and belong to different traces (a message handled inside a request of
    its own), the span continues the message's trace and links the current one.
    """
    remote = _span_context(traceparent)
    current = trace.get_current_span().get_span_context()
    parent: context.Context | None = None
    links: list[Link] = []
    if remote.is_valid and remote.trace_id != current.trace_id:
        parent = trace.set_span_in_context(NonRecordingSpan(remote))
        if current.is_valid:
            links.append(Link(current))
    with _tracer().start_as_current_span(
        name, context=parent, kind=kind, links=links, attributes=attributes
    ) as opened:
        yield opened


def ids() -> tuple[str, str] | None:
    """(trace_id, span_id) of the current span as hex, or None outside any trace."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")
