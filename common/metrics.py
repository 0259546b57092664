"""Every Prometheus series the services expose, defined once; other modules import and count.

    from common import metrics
    metrics.OPEN_WEBSOCKETS.inc()            # on connect; .dec() on disconnect
    metrics.observe_delivery(occurred_at)    # right after the WebSocket send
    metrics.REMINDERS_FIRED.inc()

Each series says in its help text where it moves; tests/integration/test_metrics.py drives
each one's behaviour against the running system and watches it change.

One Daphne process per service, so the default registry (with the process and Python
collectors) is the whole truth of a process; Prometheus adds `app_id` from its scrape
config, not from here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# A `_created` series beside every counter and histogram doubles what Prometheus stores for
# a start time it already knows (process_start_time_seconds).
disable_created_metrics()

PREFIX = "dapr_todo"
# From a local hop (a few ms, finely: quantiles are interpolated within a bucket) to a
# redelivery after a sidecar restart (15 s and more).
LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075,
    0.1, 0.25, 0.5, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0, 60.0,
)  # fmt: skip

REQUEST_LATENCY = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "Time from request to response, by view (URL name), method and status.",
    ["view", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_PUBLISHED = Counter(
    f"{PREFIX}_events_published",
    "Task events handed to the sidecar: route=outbox (state transaction) or direct (publish).",
    ["topic", "event_type", "route"],
)
EVENTS_DELIVERED = Counter(
    f"{PREFIX}_events_delivered",
    "Task events the sidecar delivered and this service acknowledged.",
    ["topic", "event_type"],
)
EVENT_RECEIVE_LATENCY = Histogram(
    f"{PREFIX}_event_receive_latency_seconds",
    "From the change (event occurred_at) to its acknowledged delivery to a subscriber; "
    "route=outbox (Dapr's outbox, about 1 s later by design) or direct.",
    ["topic", "route"],
    buckets=LATENCY_BUCKETS,
)
DELIVERY_LATENCY = Histogram(
    f"{PREFIX}_event_delivery_latency_seconds",
    "From the change (event occurred_at) to the WebSocket send of its live push to a tab "
    "(catch-ups are counted in catchups_served, not here).",
    buckets=LATENCY_BUCKETS,
)
OPEN_WEBSOCKETS = Gauge(
    f"{PREFIX}_open_websockets",
    "Live-sync WebSockets of signed-in users open on this instance (accepted, not yet closed).",
)
CATCHUPS_SERVED = Counter(
    f"{PREFIX}_catchups_served",
    "Tabs sent what they missed (after a reconnect's hello, a resync or a gap in pushes): "
    "answer=events (the missed events) or refresh (the log no longer holds them).",
    ["answer"],
)
EVENTS_DEAD_LETTERED = Counter(
    f"{PREFIX}_events_dead_lettered",
    "Events that reached a dead-letter topic (retries exhausted or dropped as malformed).",
    ["topic"],
)
REMINDERS_SCHEDULED = Counter(
    f"{PREFIX}_reminders_scheduled",
    "Task reminders registered with the scheduler: a new one or one moved (retries not counted).",
)
REMINDERS_FIRED = Counter(
    f"{PREFIX}_reminders_fired",
    "Task reminders the scheduler fired that were still current (stale ones are ignored).",
)
REMINDERS_SENT = Counter(f"{PREFIX}_reminders_sent", "Reminder e-mails the SMTP binding accepted.")
REMINDERS_FAILED = Counter(
    f"{PREFIX}_reminders_failed",
    "Reminder e-mails given up for good (refused by the server, or no address); an attempt "
    "that will be retried is not a failure.",
)

NAMED_SERIES = (
    REQUEST_LATENCY,
    EVENTS_PUBLISHED,
    EVENTS_DELIVERED,
    EVENT_RECEIVE_LATENCY,
    DELIVERY_LATENCY,
    OPEN_WEBSOCKETS,
    CATCHUPS_SERVED,
    EVENTS_DEAD_LETTERED,
    REMINDERS_SCHEDULED,
    REMINDERS_FIRED,
    REMINDERS_SENT,
    REMINDERS_FAILED,
)


def seconds_since(occurred_at: str, now: datetime | None = None) -> float | None:
    """Seconds from an ISO 8601 time (an event's occurred_at) to now; None if unreadable."""
    try:
        then = datetime.fromisoformat(occurred_at)
    except (TypeError, ValueError):
        return None
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return max(0.0, ((now or datetime.now(UTC)) - then).total_seconds())


def observe_delivery(occurred_at: str) -> None:
    """Records publish → WebSocket send for an event that changed at `occurred_at`."""
    elapsed = seconds_since(occurred_at)
    if elapsed is not None:
        DELIVERY_LATENCY.observe(elapsed)


def snapshot() -> dict[str, float | dict[str, float]]:
    """This process's event series, summed over labels, for the operator page's charts."""

    def total(metric: Counter | Gauge) -> float:
        return sum(
            sample.value
            for family in metric.collect()
            for sample in family.samples
            if sample.name.endswith("_total") or isinstance(metric, Gauge)
        )

    def histogram(histo: Histogram, **only: str) -> dict[str, float]:
        summed: dict[str, float] = {}
        for metric in histo.collect():
            for sample in metric.samples:
                if any(sample.labels.get(name) != value for name, value in only.items()):
                    continue
                if sample.name.endswith("_bucket"):
                    key = f"le_{sample.labels['le']}"
                elif sample.name.endswith(("_count", "_sum")):
                    key = sample.name.rsplit("_", 1)[1]
                else:
                    continue
                summed[key] = summed.get(key, 0.0) + sample.value
        return summed

    return {
        "events_published": total(EVENTS_PUBLISHED),
        "events_delivered": total(EVENTS_DELIVERED),
        "events_dead_lettered": total(EVENTS_DEAD_LETTERED),
        "open_websockets": total(OPEN_WEBSOCKETS),
        "catchups_served": total(CATCHUPS_SERVED),
        # The outbox route is a second slower by design; the page charts the direct one.
        "receive_latency": histogram(EVENT_RECEIVE_LATENCY, route="direct"),
        "delivery_latency": histogram(DELIVERY_LATENCY),
    }
