"""A signed-in user of the running webapp, through its real HTTP endpoints."""

from __future__ import annotations

import uuid
from typing import Any

import httpx


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

    def create(self, title: str, **fields: Any) -> dict[str, Any]:
        response = self.post("/tasks/", {"title": title, **fields})
        assert response.status_code == 201, response.text
        return response.json()["task"]

    def close(self) -> None:
        self.client.close()
