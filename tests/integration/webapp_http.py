"""A signed-in user of the running webapp, through its real HTTP endpoints, and that user's
live-sync sockets on sync_worker."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from websockets.sync.client import ClientConnection

from devtools.topology import Service
from tests.integration.clients import open_socket


class WebappUser:
    """Signs up a fresh user and drives the task endpoints as JSON (Accept: application/json)."""

    def __init__(self, base_url: str, username: str | None = None) -> None:
        self.base_url = base_url
        self.username = username or f"user-{uuid.uuid4().hex[:10]}"
        self.client = httpx.Client(base_url=base_url, timeout=10, follow_redirects=False)
        self._sign_up()

    def _sign_up(self) -> None:
        self.client.get("/accounts/signup/").raise_for_status()
        response = self.client.post(
            "/accounts/signup/",
            data={
                "username": self.username,
                "email": f"{self.username}@example.com",
                "password1": "correct-horse-battery-42",
                "password2": "correct-horse-battery-42",
                "time_zone": "Europe/Berlin",
                "csrfmiddlewaretoken": self.csrf_token,
            },
            headers={"Referer": self.base_url + "/"},
        )
        assert response.status_code == 302, response.text

    @property
    def csrf_token(self) -> str:
        return self.client.cookies["csrftoken"]

    @property
    def session_key(self) -> str:
        return self.client.cookies["sessionid"]

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        headers = {
            "X-CSRFToken": self.csrf_token,
            "Accept": "application/json",
            "Referer": self.base_url + "/",
            **kwargs.pop("headers", {}),
        }
        return self.client.post(path, data=data, headers=headers, **kwargs)

    def post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """Posts `body` as JSON (as a script would); the answer, which must be a success."""
        response = self.client.post(
            path,
            json=body,
            headers={"X-CSRFToken": self.csrf_token, "Accept": "application/json"},
        )
        assert response.is_success, response.text[:500]
        return response.json()

    def create(self, title: str, **fields: Any) -> dict[str, Any]:
        response = self.post("/tasks/", {"title": title, **fields})
        assert response.status_code == 201, response.text
        return response.json()["task"]

    def complete(self, task: dict[str, Any]) -> dict[str, Any]:
        return self.post_json(f"/tasks/{task['id']}/complete", {"version": task["version"]})["task"]

    def socket(self, sync_worker: Service, origin: str | None = None) -> ClientConnection:
        """A live-sync socket with this user's session cookie, from webapp's origin."""
        return open_socket(sync_worker, origin or self.base_url, f"sessionid={self.session_key}")

    def close(self) -> None:
        self.client.close()
