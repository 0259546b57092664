"""Clients of the running system for integration tests: live-sync sockets on sync_worker,
their messages, and publishing straight to a sidecar (the signed-up user over HTTP is
tests.integration.webapp_http.WebappUser).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from common.dapr_names import PUBSUB, TASK_EVENTS_TOPIC, WEBAPP_APP_ID
from devtools.topology import Service
from tests.sidecar_tokens import sidecar_headers

TIMEOUT = 30.0
SEQ_MARKER = re.compile(r'<div id="sync-seq" data-seq="(\d+)"( data-refresh="true")? hidden>')
TASK_ID = re.compile(r'<li id="task-([^"]+)"')


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
        headers=sidecar_headers(sync_worker),
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    return int(response.json()["user_id"])


def cloudevent(data: dict[str, Any], event_id: str, source: str = "tests") -> dict[str, Any]:
    """`data` (a task event's) as the CloudEvent a publisher sends."""
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": str(data.get("type", "task.created")),
        "datacontenttype": "application/json",
        "data": data,
    }


def publish_task_event(sidecar: Service, data: dict[str, Any], event_id: str) -> None:
    """Publishes `data` on task-events as a CloudEvent with the given id, through `sidecar`."""
    response = httpx.post(
        f"{sidecar.sidecar_url}/v1.0/publish/{PUBSUB}/{TASK_EVENTS_TOPIC}",
        content=json.dumps(cloudevent(data, event_id)),
        headers={"content-type": "application/cloudevents+json", **sidecar_headers(sidecar)},
        timeout=TIMEOUT,
    )
    assert response.status_code == 204, response.text
