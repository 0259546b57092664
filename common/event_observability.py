"""Decorators for subscription endpoints: each delivered CloudEvent continues the trace it
carries (its `traceparent`), and is counted as delivered or dead-lettered.

    @require_POST
    @from_sidecar
    @observed_delivery
    async def task_event(request): ...
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Coroutine
from contextlib import AbstractContextManager
from typing import Any

from django.http import HttpRequest, HttpResponse
from opentelemetry.trace import SpanKind

from common import metrics, tracing

AsyncView = Callable[..., Coroutine[Any, Any, HttpResponse]]


def _envelope(body: bytes) -> dict[str, Any]:
    """The CloudEvent as far as it parses; the view itself rejects what does not."""
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return {}
    return envelope if isinstance(envelope, dict) else {}


def _acknowledged(response: HttpResponse) -> bool:
    if not 200 <= response.status_code < 300:
        return False
    try:
        status: object = json.loads(response.content).get("status", "SUCCESS")
    except (ValueError, AttributeError):
        return True
    return status == "SUCCESS"


def _route(envelope: dict[str, Any]) -> str:
    """Dapr names the CloudEvents its outbox publishes `outbox-<uuid>`."""
    return "outbox" if str(envelope.get("id", "")).startswith("outbox-") else "direct"


def in_event_trace(envelope: Any, default_topic: str = "event") -> AbstractContextManager[Any]:
    """A consumer span continuing the trace the CloudEvent carries (for one entry of a bulk;
    the decorators below open it for a whole request)."""
    envelope = envelope if isinstance(envelope, dict) else {}
    topic = str(envelope.get("topic", "")) or default_topic
    return tracing.span(
        f"{topic} receive",
        traceparent=str(envelope.get("traceparent", "")),
        kind=SpanKind.CONSUMER,
        **{
            "messaging.message.id": str(envelope.get("id", "")),
            "cloudevents.type": str(envelope.get("type", "")),
        },
    )


def observed_delivery(view: AsyncView) -> AsyncView:
    """A consumer span in the event's trace; delivered count and latency when acknowledged."""

    @functools.wraps(view)
    async def observed(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        envelope = _envelope(request.body)
        with in_event_trace(envelope):
            response = await view(request, *args, **kwargs)
        if _acknowledged(response):
            count_delivered(envelope)
        return response

    return observed


def count_delivered(envelope: Any) -> None:
    """Counts an acknowledged event, with its latency since it occurred."""
    envelope = envelope if isinstance(envelope, dict) else {}
    topic, event_type = str(envelope.get("topic", "")), str(envelope.get("type", ""))
    metrics.EVENTS_DELIVERED.labels(topic=topic, event_type=event_type).inc()
    data = envelope.get("data")
    occurred_at = data.get("occurred_at", "") if isinstance(data, dict) else ""
    elapsed = metrics.seconds_since(occurred_at)
    if elapsed is not None:
        metrics.EVENT_RECEIVE_LATENCY.labels(topic=topic, route=_route(envelope)).observe(elapsed)


def observed_dead_letter(view: AsyncView) -> AsyncView:
    """Counts each event that reached a dead-letter topic, inside the trace it carries."""

    @functools.wraps(view)
    async def observed(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        envelope = _envelope(request.body)
        with in_event_trace(envelope, "dead-letter"):
            response = await view(request, *args, **kwargs)
        metrics.EVENTS_DEAD_LETTERED.labels(topic=str(envelope.get("topic", ""))).inc()
        return response

    return observed
