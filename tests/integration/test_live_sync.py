"""Live sync against the running system: changes made over HTTP reach every socket of
their owner, once, in seq order, across duplicates, reconnects and sync_worker instances.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from devtools import commands
from devtools.probes import Probe, http_ok, wait_until
from devtools.supervise import ProcessGroup, Supervised
from devtools.topology import REPO_ROOT, Service, free_port
from sync_worker.synclog import LOG_LENGTH
from tests.conftest import TEST_SETTINGS, RunningSystem
from tests.integration.clients import (
    open_socket,
    publish_task_event,
    receive,
    send_hello,
    session_user_id,
)
from tests.integration.webapp_http import WebappUser
from tests.task_event_factory import make_event

pytestmark = [pytest.mark.integration, pytest.mark.pubsub]


@pytest.fixture
def webapp(system: RunningSystem) -> Service:
    return system.service("webapp")


@pytest.fixture
def sync_worker(system: RunningSystem) -> Service:
    return system.service("sync_worker")


def logged(line: str, message: str, **fields: object) -> bool:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return False
    return record.get("message") == message and all(record.get(k) == v for k, v in fields.items())


def test_every_socket_of_the_owner_receives_a_change_and_no_one_else(
    webapp: Service, sync_worker: Service, webapp_user: WebappUser
) -> None:
    other = WebappUser(webapp.app_url)
    first, second, others = (
        webapp_user.socket(sync_worker),
        webapp_user.socket(sync_worker),
        other.socket(sync_worker),
    )
    with first, second, others:
        for socket in (first, second, others):
            send_hello(socket)
        task = webapp_user.create("Water the plants")
        done = webapp_user.complete(task)
        for socket in (first, second):
            created, completed = receive(socket), receive(socket)
            assert (created.seq, created.task_id) == (1, task["id"])
            assert (completed.seq, completed.task_id) == (2, task["id"])
            assert f'data-version="{done["version"]}"' in completed.html
        others_task = other.create("Feed the cat")
        message = receive(others)
        assert (message.seq, message.task_id) == (1, others_task["id"])
    other.close()


def test_a_duplicate_delivery_gets_no_seq(
    system: RunningSystem, sync_worker: Service, webapp_user: WebappUser
) -> None:
    owner = session_user_id(sync_worker, webapp_user.session_key)
    event = make_event(owner=owner, title="Published twice")
    with webapp_user.socket(sync_worker) as socket:
        send_hello(socket)
        publisher = system.service("webapp")
        publish_task_event(publisher, event.to_data(), f"outbox-{uuid.uuid4()}")
        publish_task_event(publisher, event.to_data(), f"direct-{uuid.uuid4()}")
        message = receive(socket)
        assert (message.seq, message.task_id) == (1, event.task.id)
        system.app_process("sync_worker").wait_for_line(
            lambda line: logged(line, "duplicate task event ignored", dedupe_key=event.dedupe_key),
            timeout=30,
        )
        later = make_event(owner=owner, title="Published once")
        publish_task_event(publisher, later.to_data(), str(uuid.uuid4()))
        message = receive(socket)
        assert (message.seq, message.task_id) == (2, later.task.id)


def test_reconnect_with_hello_receives_exactly_the_missed_events(
    sync_worker: Service, webapp_user: WebappUser
) -> None:
    with webapp_user.socket(sync_worker) as watcher:
        send_hello(watcher)
        with webapp_user.socket(sync_worker) as tab:
            send_hello(tab)
            webapp_user.create("Seen")
            assert receive(tab).seq == 1
        missed = [webapp_user.create(f"Missed {n}") for n in range(2)]
        assert [receive(watcher).seq for _ in range(3)] == [1, 2, 3]
        with webapp_user.socket(sync_worker) as tab:
            send_hello(tab, after=1)
            caught_up = [receive(tab) for _ in range(2)]
            assert [(m.seq, m.task_id) for m in caught_up] == [
                (2, missed[0]["id"]),
                (3, missed[1]["id"]),
            ]
            after = webapp_user.create("Live again")
            message = receive(tab)
            assert (message.seq, message.task_id) == (4, after["id"])
            # A resync (a gap the tab saw) is answered the same way.
            send_hello(tab, after=2, kind="resync")
            assert [receive(tab).seq for _ in range(2)] == [3, 4]


def test_hello_older_than_the_log_or_ahead_of_it_gets_a_refresh(
    system: RunningSystem, sync_worker: Service, webapp_user: WebappUser
) -> None:
    owner = session_user_id(sync_worker, webapp_user.session_key)
    total = LOG_LENGTH + 3
    with webapp_user.socket(sync_worker) as watcher:
        send_hello(watcher)
        for n in range(total):
            event = make_event(owner=owner, title=f"Bulk {n}")
            publish_task_event(system.service("webapp"), event.to_data(), str(uuid.uuid4()))
        seqs = [receive(watcher).seq for _ in range(total)]
        assert seqs == list(range(1, total + 1))
    with webapp_user.socket(sync_worker) as tab:
        send_hello(tab, after=1)
        message = receive(tab)
        assert (message.refresh, message.seq, message.task_id) == (True, total, None)
        send_hello(tab, after=total + 10, kind="resync")
        assert receive(tab).refresh
        send_hello(tab, after=total - 1)
        assert receive(tab).seq == total


def test_malformed_event_is_dead_lettered_and_the_subscription_keeps_working(
    system: RunningSystem, sync_worker: Service, webapp_user: WebappUser
) -> None:
    event_id = f"poison-{uuid.uuid4()}"
    poison = {"type": "task.created", "owner": "not a user", "task": {"id": "t"}}
    publish_task_event(system.service("webapp"), poison, event_id)
    system.app_process("sync_worker").wait_for_line(
        lambda line: logged(line, "dead-lettered task event", event_id=event_id), timeout=60
    )
    # Not without the sidecar's app token (401), and only for webapp (tests of the guard).
    assert httpx.get(f"{sync_worker.app_url}/ops/dead-letters", timeout=10).status_code == 401
    # As sync-worker's sidecar delivers a call from webapp (no app invokes this route, so
    # the access policies would refuse it through service invocation).
    as_from_webapp = {"dapr-api-token": system.app_api_token, "dapr-caller-app-id": "webapp"}
    dead = httpx.get(
        f"{sync_worker.app_url}/ops/dead-letters", headers=as_from_webapp, timeout=10
    ).json()["dead_letters"]
    # Each subscriber (sync-worker, bindings-worker) dead-letters its own copy.
    entries = [e for e in dead if e["event_id"] == event_id]
    assert entries
    for entry in entries:
        assert entry["reason"] == "event owner is not a user id"
        assert "not a user" in entry["body"]
    with webapp_user.socket(sync_worker) as socket:
        send_hello(socket)
        task = webapp_user.create("After the poison")
        message = receive(socket)
        assert (message.seq, message.task_id) == (1, task["id"])


@pytest.mark.parametrize("cookie", [None, "sessionid=not-a-session"])
def test_socket_without_a_signed_in_user_is_closed_4401(
    webapp: Service, sync_worker: Service, cookie: str | None
) -> None:
    with (
        open_socket(sync_worker, webapp.app_url, cookie) as socket,
        pytest.raises(ConnectionClosed) as closed,
    ):
        socket.recv(timeout=30)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


def test_socket_from_a_foreign_origin_is_refused(
    sync_worker: Service, webapp_user: WebappUser
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        webapp_user.socket(sync_worker, origin="http://evil.example")
    assert refused.value.response.status_code == 403


def test_junk_frames_are_ignored_and_an_oversized_frame_closes_1009(
    sync_worker: Service, webapp_user: WebappUser
) -> None:
    with webapp_user.socket(sync_worker) as socket:
        for junk in ("nope", "[]", '{"type":"bye"}', '{"type":"hello","after":"x"}'):
            socket.send(junk)
        socket.send(b"\x00\x01")
        task = webapp_user.create("Still listening")
        send_hello(socket)
        message = receive(socket)
        assert (message.seq, message.task_id) == (1, task["id"])
        socket.send("x" * 4097)
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=30)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009


def start_second_sync_worker(
    system: RunningSystem, group: ProcessGroup
) -> tuple[Service, Supervised]:
    """Another sync_worker app and sidecar, same app-id, on free ports."""
    first = system.service("sync_worker")
    second = dataclasses.replace(
        first,
        app_port=free_port(),
        dapr_http_port=free_port(),
        dapr_grpc_port=free_port(),
        dapr_internal_grpc_port=free_port(),
        dapr_metrics_port=free_port(),
    )
    app = commands.app(system.topology, second, TEST_SETTINGS)
    sidecar = commands.sidecar(system.topology, second)
    process = group.start(dataclasses.replace(app, name="sync-worker-b"))
    group.start(dataclasses.replace(sidecar, name="sync-worker-b-dapr"))
    wait_until(
        Probe(
            "second sync-worker sidecar", lambda: http_ok(f"{second.sidecar_url}/v1.0/healthz"), 60
        )
    )
    wait_until(Probe("second sync-worker app", lambda: http_ok(f"{second.app_url}/readyz"), 60))
    return second, process


def sequenced_keys(process: Supervised) -> set[str]:
    return {
        json.loads(line)["dedupe_key"]
        for line in process.lines
        if logged(line, "task event sequenced")
    }


def test_a_socket_on_another_instance_receives_events_whichever_instance_sequenced_them(
    system: RunningSystem, webapp_user: WebappUser, tmp_path: Path
) -> None:
    with ProcessGroup(tmp_path / "logs", REPO_ROOT) as group:
        instance_b, process_b = start_second_sync_worker(system, group)
        process_a = system.app_process("sync_worker")
        with (
            webapp_user.socket(instance_b) as on_b,
            webapp_user.socket(system.service("sync_worker")) as on_a,
        ):
            send_hello(on_b)
            send_hello(on_a)
            seen: list[str] = []
            # Competing consumers split events between instances; go on until each
            # instance has sequenced at least one of this user's events.
            for n in range(1, 41):
                task = webapp_user.create(f"Change {n}")
                for socket in (on_b, on_a):
                    message = receive(socket)
                    assert (message.seq, message.task_id) == (n, task["id"])
                seen.append(f"{task['id']}:1")
                by_a, by_b = sequenced_keys(process_a), sequenced_keys(process_b)
                if by_a & set(seen) and by_b & set(seen):
                    break
            assert by_a & set(seen), "instance A sequenced none of the events"
            assert by_b & set(seen), "instance B sequenced none of the events"


def save_settings(webapp_user: WebappUser, time_zone: str) -> None:
    page = webapp_user.client.get("/settings/").text
    etag = re.search(r'name="etag" value="([^"]*)"', page)
    assert etag, page[:500]
    fields = {"time_zone": time_zone, "reminder_lead_minutes": "0", "digest_time": "08:00"}
    response = webapp_user.client.post(
        "/settings/",
        data={**fields, "etag": etag[1], "csrfmiddlewaretoken": webapp_user.csrf_token},
    )
    assert response.status_code == 200, response.text[:500]


def test_saving_settings_refreshes_every_tab_of_the_user(
    sync_worker: Service, webapp_user: WebappUser
) -> None:
    task = webapp_user.post_json(
        "/tasks/", {"title": "Due somewhere", "due": "2026-12-24T09:00", "priority": "normal"}
    )["task"]
    first, second = webapp_user.socket(sync_worker), webapp_user.socket(sync_worker)
    with first, second:
        for socket in (first, second):
            send_hello(socket)
            assert receive(socket).seq == 1  # the task, caught up from the log
        save_settings(webapp_user, "Asia/Tokyo")
        for socket in (first, second):
            message = receive(socket)
            assert (message.seq, message.refresh) == (2, True)
    # What the refreshed tabs fetch: due times in the new time zone.
    tokyo = datetime.fromisoformat(task["due"]).astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"Due {tokyo:%a} {tokyo.day} {tokyo:%b %Y, %H:%M}" in webapp_user.client.get("/").text
