"""Clients of the running system for integration tests: a signed-up webapp user over HTTP
and that user's live-sync socket on sync_worker.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from common.dapr_names import PUBSUB, TASK_EVENTS_TOPIC, WEBAPP_APP_ID
from devtools.topology import Service

TIMEOUT = 30.0
SEQ_MARKER = re.compile(r'<div id="sync-seq" data-seq="(\d+)"( data-refresh="true")? hidden>')
TASK_ID = re.compile(r'<li id="task-([^"]+)"')


class WebappUser:
    """A user signed up through webapp's real sign-up form, with its session cookies."""

    def __init__(self, webapp: Service) -> None:
        self.origin = webapp.app_url
        self.http = httpx.Client(base_url=webapp.app_url, timeout=TIMEOUT)
        self.username = f"user-{uuid.uuid4().hex[:12]}"

    @classmethod
    def sign_up(cls, webapp: Service) -> WebappUser:
        user = cls(webapp)
        user.http.get("/accounts/signup/").raise_for_status()
        password = f"pw-{uuid.uuid4().hex}"
        response = user.http.post(
            "/accounts/signup/",
            data={
                "csrfmiddlewaretoken": user.csrf_token,
                "username": user.username,
                "email": f"{user.username}@example.com",
                "password1": password,
                "password2": password,
            },
        )
        assert response.status_code == 302, response.text[:500]
        return user

    @property
    def csrf_token(self) -> str:
        return self.http.cookies["csrftoken"]

    @property
    def session_key(self) -> str:
        return self.http.cookies["sessionid"]

    def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(
            path,
            json=body,
            headers={"X-CSRFToken": self.csrf_token, "Accept": "application/json"},
        )
        assert response.is_success, response.text[:500]
        return response.json()

    def create_task(self, title: str) -> dict[str, Any]:
        return self.post_json("/tasks/", {"title": title, "priority": "normal"})["task"]

    def complete_task(self, task: dict[str, Any]) -> dict[str, Any]:
        return self.post_json(f"/tasks/{task['id']}/complete", {"version": task["version"]})["task"]

    def socket(self, sync_worker: Service, origin: str | None = None) -> ClientConnection:
        """A live-sync socket with this user's session cookie, from webapp's origin."""
        return open_socket(sync_worker, origin or self.origin, f"sessionid={self.session_key}")

    def close(self) -> None:
        self.http.close()


def open_socket(sync_worker: Service, origin: str, cookie: str | None = None) -> ClientConnection:
    return connect(
        f"ws://127.0.0.1:{sync_worker.app_port}/ws/tasks/",
        origin=Origin(origin),
        additional_headers={"Cookie": cookie} if cookie else None,
        proxy=None,
        open_timeout=TIMEOUT,
        # Unbounded: a test that reads its messages late must not stall the reader thread,
        # which would also stop it answering pings and drop the connection.
        max_queue=None,
    )


@dataclass(frozen=True)
class SyncMessage:
    """One server message: its seq marker and the task it is about (if any)."""

    seq: int
    refresh: bool
    task_id: str | None
    html: str

    @classmethod
    def parse(cls, html: str) -> SyncMessage:
        marker = SEQ_MARKER.match(html)
        assert marker, f"not a live-sync message: {html[:200]}"
        task = TASK_ID.search(html)
        return cls(int(marker[1]), bool(marker[2]), task[1] if task else None, html)


def send_hello(socket: ClientConnection, after: int = 0, kind: str = "hello") -> None:
    socket.send(json.dumps({"type": kind, "after": after}))


def receive(socket: ClientConnection, timeout: float = TIMEOUT) -> SyncMessage:
    message = socket.recv(timeout=timeout)
    assert isinstance(message, str)
    return SyncMessage.parse(message)


def session_user_id(sync_worker: Service, session_key: str) -> int:
    """The user id behind a session, asked as sync_worker asks: invocation through its sidecar."""
    response = httpx.post(
        f"{sync_worker.sidecar_url}/v1.0/invoke/{WEBAPP_APP_ID}/method/internal/session-user",
        json={"session_key": session_key},
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    return int(response.json()["user_id"])


def publish_task_event(sidecar: Service, data: dict[str, Any], event_id: str) -> None:
    """Publishes `data` on task-events as a CloudEvent with the given id, through `sidecar`."""
    envelope = {
        "specversion": "1.0",
        "id": event_id,
        "source": "tests",
        "type": str(data.get("type", "task.created")),
        "datacontenttype": "application/json",
        "data": data,
    }
    response = httpx.post(
        f"{sidecar.sidecar_url}/v1.0/publish/{PUBSUB}/{TASK_EVENTS_TOPIC}",
        content=json.dumps(envelope),
        headers={"content-type": "application/cloudevents+json"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 204, response.text
