"""webapp serves its static files itself (Daphne does not), in any DEBUG mode."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator

from webapp.asgi import application


async def get(path: str) -> tuple[int, bytes]:
    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"",
             "headers": [(b"host", b"localhost")], "http_version": "1.1", "scheme": "http",
             "server": ("localhost", 80), "client": ("127.0.0.1", 1), "root_path": ""}  # fmt: skip
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return start["status"], body


@pytest.mark.parametrize(
    "path",
    [
        "/static/django_htmx/htmx-2.min.js",
        "/static/django_htmx/ext/hx-ws-2.js",
        "/static/todo/app.css",
    ],
)
def test_static_asset_is_served(path: str) -> None:
    status, body = async_to_sync(get)(path)
    assert status == 200
    assert body


@pytest.mark.parametrize(
    "path",
    [
        "/static/../config/settings/base.py",
        "/static/todo/../../../../config/settings/base.py",
        "/static/../../../../etc/passwd",
        "/static/no-such-file.js",
    ],
)
def test_path_outside_the_static_folders_is_not_found(path: str) -> None:
    status, body = async_to_sync(get)(path)
    assert status == 404
    assert b"SECRET_KEY" not in body
