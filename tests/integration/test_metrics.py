"""Every named series moves when the behaviour it names happens in the running system.

Each test reads the series on the GET /metrics of the service that counts it, drives the
behaviour (a socket, a catch-up, a delivery, a reminder...), and waits, polling with a
deadline, for the value to change. The system is shared by the whole session, so a test
asserts the change it caused (at least), never an absolute value.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from common import metrics
from common.dapr_names import TASK_EVENTS_TOPIC
from devtools.mailsink import wait_for_messages
from devtools.topology import Service
from tests.conftest import RunningSystem
from tests.integration.clients import publish_task_event, receive, send_hello
from tests.integration.publishing import now, publish, task_event
from tests.integration.verification import verify_address
from tests.integration.webapp_http import WebappUser

pytestmark = [pytest.mark.integration, pytest.mark.pubsub]

DEADLINE_SECONDS = 45.0


def value(service: Service, sample_name: str, **labels: str) -> float:
    """The sample's value on `service`'s /metrics, summed over the labels not given."""
    text = httpx.get(f"{service.app_url}/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == sample_name
        and all(sample.labels.get(name) == wanted for name, wanted in labels.items())
    )


def await_value(what: str, read: Callable[[], float], reached: Callable[[float], bool]) -> float:
    """Polls `read` until `reached` holds of its value, or fails at the deadline."""
    give_up = time.monotonic() + DEADLINE_SECONDS
    last = read()
    while not reached(last):
        if time.monotonic() > give_up:
            pytest.fail(f"{what}: not reached within {DEADLINE_SECONDS:.0f} s; last {last}")
        time.sleep(0.2)
        last = read()
    return last


def await_increase(what: str, read: Callable[[], float], before: float, by: float = 1) -> None:
    await_value(what, read, lambda now_: now_ >= before + by)


@pytest.fixture(scope="module")
def webapp(system: RunningSystem) -> Service:
    return system.service("webapp")


@pytest.fixture(scope="module")
def sync_worker(system: RunningSystem) -> Service:
    return system.service("sync_worker")


@pytest.fixture(scope="module")
def bindings_worker(system: RunningSystem) -> Service:
    return system.service("bindings_worker")


def new_owner(system: RunningSystem, domain: str = "example.com") -> tuple[int, str]:
    """A new user whose address is verified, so reminders are mailed to it."""
    name = f"m{uuid.uuid4().hex[:10]}"
    email = f"{name}@{domain}"
    owner = system.create_user(name, email)
    verify_address(system, owner, email)
    return owner, email


def test_every_named_series_has_a_test_here() -> None:
    """A series added to common.metrics without a test here fails this one."""
    tested = {
        "dapr_todo_http_request_duration_seconds",
        "dapr_todo_events_published",
        "dapr_todo_events_delivered",
        "dapr_todo_event_receive_latency_seconds",
        "dapr_todo_event_delivery_latency_seconds",
        "dapr_todo_open_websockets",
        "dapr_todo_catchups_served",
        "dapr_todo_events_dead_lettered",
        "dapr_todo_reminders_scheduled",
        "dapr_todo_reminders_fired",
        "dapr_todo_reminders_sent",
        "dapr_todo_reminders_failed",
    }
    assert {series._name for series in metrics.NAMED_SERIES} == tested


def test_a_request_is_timed_by_its_view(webapp: Service) -> None:
    def logins() -> float:
        return value(
            webapp,
            "dapr_todo_http_request_duration_seconds_count",
            view="login",
            method="GET",
            status="200",
        )

    before = logins()
    assert httpx.get(f"{webapp.app_url}/accounts/login/", timeout=10).status_code == 200
    await_increase("GET /accounts/login/ timed", logins, before)


def test_a_change_is_published_delivered_and_its_receive_latency_observed(
    webapp: Service, sync_worker: Service, webapp_user: WebappUser
) -> None:
    def published(route: str) -> float:
        return value(webapp, "dapr_todo_events_published_total", route=route)

    def delivered() -> float:
        return value(sync_worker, "dapr_todo_events_delivered_total", event_type="task.created")

    def received(route: str) -> float:
        return value(sync_worker, "dapr_todo_event_receive_latency_seconds_count", route=route)

    before = {
        "outbox": published("outbox"),
        "direct": published("direct"),
        "delivered": delivered(),
        "received outbox": received("outbox"),
        "received direct": received("direct"),
    }
    webapp_user.create("Counted")
    await_increase("published through the outbox", lambda: published("outbox"), before["outbox"])
    await_increase("published directly", lambda: published("direct"), before["direct"])
    # Both copies reach sync-worker: the direct publish and the outbox's a second later.
    await_increase("delivered to sync-worker", delivered, before["delivered"], by=2)
    await_increase(
        "receive latency (outbox)", lambda: received("outbox"), before["received outbox"]
    )
    await_increase(
        "receive latency (direct)", lambda: received("direct"), before["received direct"]
    )


def test_an_event_bindings_worker_applied_counts_as_delivered_there(
    system: RunningSystem, webapp: Service, bindings_worker: Service
) -> None:
    def delivered() -> float:
        return value(bindings_worker, "dapr_todo_events_delivered_total", topic=TASK_EVENTS_TOPIC)

    owner, _ = new_owner(system)
    before = delivered()
    publish(webapp, task_event(owner, due=now() + timedelta(days=1), title="Delivered in bulk"))
    await_increase("delivered to bindings-worker", delivered, before)


def test_a_malformed_event_counts_as_dead_lettered(webapp: Service, sync_worker: Service) -> None:
    def dead_lettered() -> float:
        return value(sync_worker, "dapr_todo_events_dead_lettered_total")

    before = dead_lettered()
    poison = {"type": "task.created", "owner": "not a user", "task": {"id": "t"}}
    publish_task_event(webapp, poison, f"poison-{uuid.uuid4()}")
    await_increase("a dead letter", dead_lettered, before)


def test_an_open_socket_is_counted_until_it_closes(
    sync_worker: Service, webapp_user: WebappUser
) -> None:
    def open_sockets() -> float:
        return value(sync_worker, "dapr_todo_open_websockets")

    before = open_sockets()
    first, second = webapp_user.socket(sync_worker), webapp_user.socket(sync_worker)
    with first, second:
        send_hello(first)
        send_hello(second)
        await_increase("two sockets open", open_sockets, before, by=2)
    await_value("both sockets closed", open_sockets, lambda now_: now_ <= before)


def test_a_reconnecting_tab_sent_what_it_missed_counts_as_a_catch_up(
    sync_worker: Service, webapp_user: WebappUser
) -> None:
    def catchups(answer: str) -> float:
        return value(sync_worker, "dapr_todo_catchups_served_total", answer=answer)

    with webapp_user.socket(sync_worker) as watcher:
        send_hello(watcher)
        webapp_user.create("Seen")
        assert receive(watcher).seq == 1
        events_before, refresh_before = catchups("events"), catchups("refresh")
        webapp_user.create("Missed")
        assert receive(watcher).seq == 2
        with webapp_user.socket(sync_worker) as tab:
            send_hello(tab, after=1)  # reconnected having seen seq 1
            assert receive(tab).seq == 2
            await_increase("a catch-up with events", lambda: catchups("events"), events_before)
            send_hello(tab, after=99, kind="resync")  # ahead of the log: a refresh
            assert receive(tab).refresh
            await_increase("a catch-up with a refresh", lambda: catchups("refresh"), refresh_before)


def test_a_live_push_observes_the_delivery_latency(
    sync_worker: Service, webapp_user: WebappUser
) -> None:
    def deliveries() -> float:
        return value(sync_worker, "dapr_todo_event_delivery_latency_seconds_count")

    def within_a_minute() -> float:
        # Measured from the change's occurred_at, a change made just now is under a minute.
        return value(sync_worker, "dapr_todo_event_delivery_latency_seconds_bucket", le="60.0")

    with webapp_user.socket(sync_worker) as socket:
        send_hello(socket)
        before, quick_before = deliveries(), within_a_minute()
        webapp_user.create("Pushed")
        assert receive(socket).seq == 1
        await_increase("a delivery latency", deliveries, before)
        assert within_a_minute() >= quick_before + 1


def test_a_reminder_registered_counts_as_scheduled(
    system: RunningSystem, webapp: Service, bindings_worker: Service
) -> None:
    def scheduled() -> float:
        return value(bindings_worker, "dapr_todo_reminders_scheduled_total")

    owner, _ = new_owner(system)
    before = scheduled()
    event = task_event(owner, due=now() + timedelta(days=2), title="Scheduled")
    publish(webapp, event)
    await_increase("a reminder scheduled", scheduled, before)


def test_a_reminder_due_fires_and_its_email_counts_as_sent(
    system: RunningSystem, webapp: Service, bindings_worker: Service
) -> None:
    def fired() -> float:
        return value(bindings_worker, "dapr_todo_reminders_fired_total")

    def sent() -> float:
        return value(bindings_worker, "dapr_todo_reminders_sent_total")

    owner, email = new_owner(system)
    fired_before, sent_before = fired(), sent()
    publish(webapp, task_event(owner, due=now() + timedelta(seconds=2), title="Fire me"))
    wait_for_messages(
        system.mail_dir,
        lambda m: m["subject"] == "Reminder: Fire me" and email in m["rcpt_tos"],
        timeout=60,
    )
    await_increase("a reminder fired", fired, fired_before)
    await_increase("a reminder e-mail sent", sent, sent_before)


def test_a_reminder_the_server_refused_counts_as_failed(
    system: RunningSystem, webapp: Service, bindings_worker: Service
) -> None:
    def failed() -> float:
        return value(bindings_worker, "dapr_todo_reminders_failed_total")

    owner, _ = new_owner(system, domain="reject.invalid")
    before = failed()
    publish(webapp, task_event(owner, due=now() + timedelta(seconds=1), title="Bounce"))
    await_increase("a reminder failed", failed, before)
