"""The live-sync consumer: handshake outcomes, catch-up on hello/resync, ordered pushes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from pytest_django.fixtures import Settings

from common.dapr import state
from common.dapr.errors import DaprUnavailable
from common.dapr_names import STATE_STORE
from common.session_ids import fingerprint
from sync_worker import consumers, socket_cap
from sync_worker.consumers import TaskSyncConsumer
from sync_worker.fanout import close_session, push_event
from sync_worker.protocol import event_message, refresh_message
from sync_worker.rendering import render_logged
from sync_worker.sequencer import Sequenced, event_key, log_key, sequence_event
from sync_worker.sessions import SessionCheckUnavailable
from sync_worker.synclog import refresh_data
from tests.task_event_factory import make_event
from tests.unit.fake_state import FakeStateStore

# Channels closes stale database connections around each message; let it reach the DB.
pytestmark = pytest.mark.django_db

ORIGIN = "http://127.0.0.1:8410"
USER = 5
Scenario = Callable[[WebsocketCommunicator], Awaitable[None]]


@pytest.fixture(autouse=True)
def setup(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FakeStateStore:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.SYNC_ALLOWED_ORIGINS = [ORIGIN]
    store = FakeStateStore()
    store.install(monkeypatch)
    socket_cap.forget()

    async def find_session_user(key: str) -> int | None:
        if key == "down":
            raise SessionCheckUnavailable("webapp down")
        return USER if key == "good" else None

    monkeypatch.setattr(consumers, "find_session_user", find_session_user)
    return store


def communicator(origin: str = ORIGIN, session: str | None = "good") -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode()), (b"host", b"127.0.0.1:8415")]
    if session is not None:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return WebsocketCommunicator(TaskSyncConsumer.as_asgi(), "/ws/tasks/", headers=headers)


def run(scenario: Scenario, **kwargs: Any) -> None:
    async def body() -> None:
        socket = communicator(**kwargs)
        try:
            await scenario(socket)
        finally:
            await socket.disconnect()

    async_to_sync(body)()


async def log_events(count: int, first: int = 1) -> list[Sequenced]:
    logged = []
    for n in range(first, first + count):
        event = make_event(owner=USER, id=f"t{n}", title=f"Task {n}")
        sequenced = await sequence_event(USER, event.dedupe_key, event.to_data())
        assert sequenced is not None
        logged.append(sequenced)
    return logged


async def push(sequenced: Sequenced) -> None:
    await push_event(sequenced, render_logged(sequenced.event))


async def receive_event(socket: WebsocketCommunicator, seq: int) -> None:
    """The next message is the event of task t<seq>, as seq `seq`."""
    message = await socket.receive_from()
    assert message.startswith(event_message(seq, ""))
    assert f'<li id="task-t{seq}"' in message


async def hello(socket: WebsocketCommunicator, after: int = 0) -> None:
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "hello", "after": after})


def test_wrong_origin_is_refused_before_accept() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        connected, code = await socket.connect()
        assert (connected, code) == (False, 1000)

    run(scenario, origin="http://evil.example")


@pytest.mark.parametrize("session", [None, "bad"])
def test_no_signed_in_user_is_closed_4401(session: str | None) -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        connected, _ = await socket.connect()
        assert connected
        assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}

    run(scenario, session=session)


def test_unavailable_session_check_asks_to_try_again_later() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await socket.connect()
        assert await socket.receive_output() == {"type": "websocket.close", "code": 1013}

    run(scenario, session="down")


def test_hello_sends_the_logged_events_after() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await log_events(3)
        await hello(socket, after=1)
        await receive_event(socket, 2)
        await receive_event(socket, 3)
        assert await socket.receive_nothing()

    run(scenario)


def test_hello_ahead_of_the_log_gets_a_refresh() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await log_events(2)
        await hello(socket, after=9)
        assert await socket.receive_from() == refresh_message(2)

    run(scenario)


def test_pushes_follow_the_hello_in_order_without_repeats() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        _, second = await log_events(2)
        await hello(socket, after=0)
        await receive_event(socket, 1)
        await receive_event(socket, 2)
        await push(second)  # already sent by the catch-up
        [third] = await log_events(1, first=3)
        await push(third)
        await receive_event(socket, 3)
        assert await socket.receive_nothing()

    run(scenario)


def test_push_before_hello_is_left_to_the_catch_up() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        connected, _ = await socket.connect()
        assert connected
        [first] = await log_events(1)
        await push(first)
        assert await socket.receive_nothing()
        await socket.send_json_to({"type": "hello", "after": 0})
        await receive_event(socket, 1)

    run(scenario)


def test_push_after_a_gap_catches_up_from_the_log() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await hello(socket, after=0)
        assert await socket.receive_nothing()
        logged = await log_events(3)
        await push(logged[2])  # pushes 1 and 2 were lost by the channel layer
        for n in (1, 2, 3):
            await receive_event(socket, n)

    run(scenario)


def test_push_from_a_new_log_epoch_sends_a_refresh(setup: FakeStateStore) -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await log_events(2)
        await hello(socket, after=2)
        assert await socket.receive_nothing()
        setup.items.pop((STATE_STORE, log_key(USER)))  # the log was lost
        [first] = await log_events(1)
        await push(first)
        assert await socket.receive_from() == refresh_message(1)

    run(scenario)


def test_resync_sends_what_follows() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await log_events(2)
        await hello(socket, after=2)
        await socket.send_json_to({"type": "resync", "after": 1})
        await receive_event(socket, 2)

    run(scenario)


def test_junk_frames_are_ignored() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await log_events(1)
        connected, _ = await socket.connect()
        assert connected
        for junk in ("nope", '{"type":"bye"}', '{"type":"hello","after":"0"}', "[]"):
            await socket.send_to(text_data=junk)
        await socket.send_to(bytes_data=b"\x00")
        assert await socket.receive_nothing()
        await socket.send_json_to({"type": "hello", "after": 0})
        await receive_event(socket, 1)

    run(scenario)


def test_oversized_frame_closes_1009() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        connected, _ = await socket.connect()
        assert connected
        await socket.send_to(text_data="x" * 4097)
        assert await socket.receive_output() == {"type": "websocket.close", "code": 1009}

    run(scenario)


def test_catch_up_with_state_down_asks_to_try_again_later(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def unavailable(*args: object) -> None:
        raise DaprUnavailable("sidecar down")

    async def scenario(socket: WebsocketCommunicator) -> None:
        monkeypatch.setattr(state, "get_item", unavailable)
        await hello(socket)
        assert await socket.receive_output() == {"type": "websocket.close", "code": 1013}

    run(scenario)


def test_socket_joins_its_users_group() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await hello(socket)
        layer = get_channel_layer()
        assert len(layer.groups["user.5"]) == 1

    run(scenario)


def test_catch_up_over_an_unreadable_logged_event_sends_a_refresh(setup: FakeStateStore) -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        [logged] = await log_events(1)
        key = event_key(USER, logged.epoch, logged.event.dedupe_key)
        stored = setup.value(STATE_STORE, key)
        stored["data"] = {"type": "nonsense"}
        setup.put(STATE_STORE, key, stored)
        await hello(socket, after=0)
        assert await socket.receive_from() == refresh_message(1)

    run(scenario)


def test_a_pushed_refresh_entry_is_sent_as_a_refresh_message() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await hello(socket)
        [first] = await log_events(1)
        await push(first)
        await receive_event(socket, 1)
        refresh = await sequence_event(USER, "user-event:e1", refresh_data("user.changed"))
        assert refresh is not None
        await push_event(refresh, "")
        assert await socket.receive_from() == refresh_message(2)

    run(scenario)


def test_catch_up_past_a_refresh_entry_is_one_refresh() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await log_events(1)
        await sequence_event(USER, "user-event:e1", refresh_data("user.changed"))
        await log_events(1, first=3)
        await hello(socket, after=1)
        assert await socket.receive_from() == refresh_message(3)

    run(scenario)


def test_its_sessions_sign_out_closes_4401_before_any_later_push() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await log_events(1)
        await hello(socket)
        await receive_event(socket, 1)
        await close_session(USER, fingerprint("good"))
        await push((await log_events(1, first=2))[0])
        assert await socket.receive_output() == {"type": "websocket.close", "code": 4401}
        assert await socket.receive_nothing()

    run(scenario)


def test_another_sessions_sign_out_leaves_the_socket_open() -> None:
    async def scenario(socket: WebsocketCommunicator) -> None:
        await hello(socket)
        await close_session(USER, fingerprint("another session"))
        await push((await log_events(1))[0])
        await receive_event(socket, 1)

    run(scenario)


def test_sockets_past_the_users_cap_are_closed_4429(settings: Settings) -> None:
    settings.SYNC_MAX_SOCKETS_PER_USER = 2

    async def body() -> None:
        first, second, third = communicator(), communicator(), communicator()
        for socket in (first, second):
            await hello(socket)
        connected, _ = await third.connect()
        assert connected
        assert await third.receive_output() == {"type": "websocket.close", "code": 4429}
        await first.disconnect()
        # The closed socket gave its place back.
        fourth = communicator()
        await hello(fourth)
        await push((await log_events(1))[0])
        await receive_event(fourth, 1)
        for socket in (second, third, fourth):
            await socket.disconnect()

    async_to_sync(body)()
