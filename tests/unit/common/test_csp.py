from __future__ import annotations

import pytest

from common.csp import websocket_origin


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("ws://127.0.0.1:8411/ws/tasks/", ["ws://127.0.0.1:8411"]),
        ("wss://todo.example.com/ws/tasks/", ["wss://todo.example.com"]),
        ("/ws/tasks/", []),
        ("https://todo.example.com/ws/tasks/", []),
    ],
)
def test_websocket_origin_of_absolute_socket_urls_only(url: str, origin: list[str]) -> None:
    assert websocket_origin(url) == origin
