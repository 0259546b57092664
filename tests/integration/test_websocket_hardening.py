"""The live-sync socket against what a session's end or a hostile client does to it: sign-out
closes that session's sockets (4401) before any later push, a user's open sockets are
capped (4429), and hostile frames are ignored or close with 1003/1008/1009, never 1011 and
never an ERROR log."""

from __future__ import annotations

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from tests.conftest import RunningSystem
from tests.integration.clients import open_socket, receive, send_hello
from tests.integration.webapp_http import WebappUser

pytestmark = pytest.mark.integration

PASSWORD = "correct-horse-battery-42"


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

    def socket(self, system: RunningSystem) -> ClientConnection:
        cookie = f"sessionid={self.client.cookies['sessionid']}"
        return open_socket(system.service("sync_worker"), self.base_url, cookie)

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
    system: RunningSystem, webapp_user: WebappUser
) -> None:
    elsewhere = SecondSession(webapp_user)
    with (
        webapp_user.socket(system.service("sync_worker")) as signed_out_socket,
        elsewhere.socket(system) as other_socket,
    ):
        make_live([signed_out_socket, other_socket], elsewhere)
        assert webapp_user.post("/accounts/logout/").status_code == 302
        after = elsewhere.create("after sign-out")
        # The other session's socket gets the change; the signed-out one only its close.
        wait_for_task(other_socket, after)
        assert closed_code(signed_out_socket) == 4401
    elsewhere.close()
