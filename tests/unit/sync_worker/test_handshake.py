"""The handshake checks: Origin against the allowed list or the socket's own host; the cookie."""

from __future__ import annotations

from typing import Any

import pytest

from sync_worker.handshake import origin_allowed, session_key

ALLOWED = ["http://127.0.0.1:8410", "http://localhost:8410"]


def scope(**headers: str) -> dict[str, Any]:
    return {"headers": [(k.encode(), v.encode()) for k, v in headers.items()]}


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"origin": "http://127.0.0.1:8410", "host": "127.0.0.1:8415"}, True),
        ({"origin": "http://localhost:8410/", "host": "127.0.0.1:8415"}, True),
        ({"origin": "https://todo.example", "host": "todo.example"}, True),
        ({"origin": "http://127.0.0.1:8415", "host": "127.0.0.1:8415"}, True),
        ({"origin": "http://evil.example", "host": "127.0.0.1:8415"}, False),
        ({"origin": "http://127.0.0.1:9999", "host": "127.0.0.1:8415"}, False),
        ({"origin": "null", "host": "127.0.0.1:8415"}, False),
        ({"host": "127.0.0.1:8415"}, False),
        ({"origin": "http://evil.example"}, False),
    ],
)
def test_origin_allowed(headers: dict[str, str], allowed: bool) -> None:
    assert origin_allowed(scope(**headers), ALLOWED) is allowed


def test_session_key_reads_the_session_cookie() -> None:
    assert session_key(scope(cookie="csrftoken=a; sessionid=abc"), "sessionid") == "abc"


@pytest.mark.parametrize("headers", [{}, {"cookie": "csrftoken=a"}, {"cookie": "sessionid="}])
def test_session_key_absent(headers: dict[str, str]) -> None:
    assert session_key(scope(**headers), "sessionid") is None
