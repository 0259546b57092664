"""The live-sync socket against what a session's end or a hostile client does to it: sign-out
closes that session's sockets (4401) before any later push, a user's open sockets are
capped (4429), and hostile frames are ignored or close with 1003/1008/1009, never 1011 and
never an ERROR log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest
from django.conf import settings
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from devtools.probes import Probe, wait_until
from devtools.topology import Service
from sync_worker.socket_cap import user_key
from tests.conftest import RunningSystem
from tests.integration.clients import open_socket, receive, send_hello, session_user_id
from tests.integration.redis_access import system_redis
from tests.integration.webapp_http import WebappUser

pytestmark = pytest.mark.integration

PASSWORD = "correct-horse-battery-42"
# The shipped default, which the test system does not override.
CAP = settings.SYNC_MAX_SOCKETS_PER_USER


@pytest.fixture(scope="module")
def second_sync_worker(system: RunningSystem) -> Iterator[Service]:
    """Another sync_worker instance (app and sidecar) on ports of its own, beside the first."""
    with system.replica("sync_worker") as replica:
        yield replica


class SecondSession:
    """The same user signed in again elsewhere (another browser): a session of its own."""

    def __init__(self, user: WebappUser) -> None:
        self.client = httpx.Client(base_url=user.base_url, timeout=10)
        self.client.get("/accounts/login/").raise_for_status()
        signed_in = self.client.post(
            "/accounts/login/",
            data={
                "username": user.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.client.cookies["csrftoken"],
            },
            headers={"Referer": user.base_url + "/"},
        )
        assert signed_in.status_code == 302, signed_in.text[:300]
        self.base_url = user.base_url

    def create(self, title: str) -> str:
        response = self.client.post(
            "/tasks/",
            data={"title": title},
            headers={
                "X-CSRFToken": self.client.cookies["csrftoken"],
                "Accept": "application/json",
                "Referer": self.base_url + "/",
            },
        )
        assert response.status_code == 201, response.text
        return str(response.json()["task"]["id"])

    def socket(self, sync_worker: Service) -> ClientConnection:
        cookie = f"sessionid={self.client.cookies['sessionid']}"
        return open_socket(sync_worker, self.base_url, cookie)

    def close(self) -> None:
        self.client.close()


def closed_code(socket: ClientConnection, timeout: float = 30) -> int:
    """The close code the server ends `socket` with; fails on any message before it."""
    try:
        message = socket.recv(timeout=timeout)
    except ConnectionClosed as closed:
        frame = closed.rcvd
    else:
        raise AssertionError(f"received a message instead of the close: {str(message)[:200]}")
    assert frame is not None, "closed without a close frame"
    return frame.code


def wait_for_task(socket: ClientConnection, task_id: str) -> None:
    while receive(socket).task_id != task_id:
        pass


def make_live(sockets: list[ClientConnection], creator: SecondSession) -> None:
    """Says hello on each socket and waits until each has a push of a task `creator` adds:
    then each certainly receives pushes, and has nothing unread."""
    for socket in sockets:
        send_hello(socket)
    task_id = creator.create("makes the sockets live")
    for socket in sockets:
        wait_for_task(socket, task_id)


def test_sign_out_closes_that_sessions_sockets_before_any_later_push(
    system: RunningSystem, webapp_user: WebappUser, second_sync_worker: Service
) -> None:
    elsewhere = SecondSession(webapp_user)
    first = system.service("sync_worker")
    with (
        webapp_user.socket(first) as signed_out_here,
        webapp_user.socket(second_sync_worker) as signed_out_there,
        elsewhere.socket(first) as other_session,
    ):
        make_live([signed_out_here, signed_out_there, other_session], elsewhere)
        assert webapp_user.post("/accounts/logout/").status_code == 302
        after = elsewhere.create("after sign-out")
        # The other session's socket gets the change; the signed-out ones, on either
        # instance, only their close.
        wait_for_task(other_session, after)
        assert closed_code(signed_out_here) == 4401
        assert closed_code(signed_out_there) == 4401
    elsewhere.close()


def leases(system: RunningSystem, user: WebappUser) -> int:
    """How many socket leases the user holds in the channel layer's Redis (database 1)."""
    user_id = session_user_id(system.service("sync_worker"), user.session_key)
    redis = system_redis(system.topology, db=1)
    try:
        return int(redis.zcard(user_key(user_id)))
    finally:
        redis.close()


def test_a_users_open_sockets_are_capped_across_instances(
    system: RunningSystem, webapp_user: WebappUser, second_sync_worker: Service
) -> None:
    instances = [system.service("sync_worker"), second_sync_worker]
    with ExitStack() as stack:
        held = [stack.enter_context(webapp_user.socket(instances[n % 2])) for n in range(CAP)]
        for instance in instances:
            with webapp_user.socket(instance) as refused:
                assert closed_code(refused) == 4429
        # Another user is not affected by this one's sockets.
        other = WebappUser(webapp_user.base_url)
        with other.socket(instances[0]) as others:
            send_hello(others)
            task_id = other.create("another user's socket is live")["id"]
            wait_for_task(others, task_id)
        other.close()
        # A closed socket gives its place back, on whichever instance.
        held.pop().close()
        wait_until(Probe("lease given back", lambda: leases(system, webapp_user) < CAP, 30))
        with webapp_user.socket(instances[0]) as admitted:
            send_hello(admitted)
            task_id = webapp_user.create("admitted after one closed")["id"]
            wait_for_task(admitted, task_id)


# Each is ignored (the socket still answers a hello) or closes the socket with one of the
# codes a protocol violation may get; never 1011 (a crashed handler).
HOSTILE_FRAMES: dict[str, str | bytes] = {
    "deeply nested array": "[" * 2000 + "]" * 2000,
    "deeply nested object, past the size cap": '{"a":' * 1000 + "1" + "}" * 1000,
    "not JSON": "<script>alert(1)</script>",
    "binary": b"\x00\xff" * 100,
    "huge text": "x" * 1_000_000,
    "huge binary": b"\x00" * 1_000_000,
    "huge sequence number": '{"type":"hello","after":' + "9" * 4000 + "}",
    "wrong types": '{"type":["hello"],"after":{"seq":1}}',
    "NUL and surrogate escapes": '{"type":"hello\\u0000","after":"\\ud800"}',
}
PROTOCOL_CLOSE_CODES = {1003, 1008, 1009}


def error_lines(system: RunningSystem, package: str, mark: int) -> list[str]:
    lines = system.app_process(package).lines[mark:]
    return [line for line in lines if '"level": "ERROR"' in line or "Traceback" in line]


@pytest.mark.parametrize("frame", HOSTILE_FRAMES.values(), ids=HOSTILE_FRAMES.keys())
def test_a_hostile_frame_is_ignored_or_closes_with_a_protocol_code(
    system: RunningSystem, webapp_user: WebappUser, frame: str | bytes
) -> None:
    mark = system.app_process("sync_worker").mark()
    code = None  # the socket stayed open
    with webapp_user.socket(system.service("sync_worker")) as socket:
        try:
            socket.send(frame)
            send_hello(socket)
            task_id = webapp_user.create("after a hostile frame")["id"]
            wait_for_task(socket, task_id)  # ignored: the socket still works
        except ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd is not None else "no close frame"
    assert code is None or code in PROTOCOL_CLOSE_CODES
    assert error_lines(system, "sync_worker", mark) == []


HOSTILE_TITLE = '<script>alert("title")</script><b>bold</b>'
HOSTILE_NOTES = '<img src=x onerror="alert(1)">\n<a href="javascript:alert(2)">link</a>'
RAW_MARKUP = ("<script>", "<b>", "<img", '<a href="javascript')


def assert_escaped(html: str) -> None:
    """`html` shows the hostile title and notes as text (escaped), never as markup."""
    assert not [raw for raw in RAW_MARKUP if raw in html], html[:500]
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_user_text_is_escaped_in_every_page_fragment_and_push(
    system: RunningSystem, webapp_user: WebappUser
) -> None:
    with webapp_user.socket(system.service("sync_worker")) as socket:
        send_hello(socket)
        created = webapp_user.post(
            "/tasks/",
            {"title": HOSTILE_TITLE, "notes": HOSTILE_NOTES},
            headers={"Accept": "text/html", "HX-Request": "true"},
        )
        assert created.is_success
        pushed = receive(socket)
    assert pushed.task_id is not None
    edit_path = f"/tasks/{pushed.task_id}/edit"
    rendered = {
        "created fragment": created,
        "task list": webapp_user.client.get("/"),
        "edit page": webapp_user.client.get(edit_path),
        "edit fragment": webapp_user.client.get(edit_path, headers={"HX-Request": "true"}),
    }
    for name, response in rendered.items():
        assert response.is_success, name
        assert_escaped(response.text)
    assert_escaped(pushed.html)
