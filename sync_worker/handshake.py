"""What the WebSocket handshake is checked on: its Origin and its session cookie."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.http.cookie import parse_cookie


def scope_header(scope: dict[str, Any], name: str) -> str | None:
    wanted = name.lower().encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")
    return None


def origin_allowed(scope: dict[str, Any], allowed: Iterable[str]) -> bool:
    """Whether a browser on this Origin may open the socket (cross-site hijacking guard).

    Allowed: an origin listed in SYNC_ALLOWED_ORIGINS, or the socket's own host.
    """
    origin = scope_header(scope, "origin")
    if not origin:
        return False
    if origin.rstrip("/") in {o.rstrip("/") for o in allowed}:
        return True
    host = scope_header(scope, "host")
    return bool(host and urlsplit(origin).netloc.lower() == host.lower())


def session_key(scope: dict[str, Any], cookie_name: str) -> str | None:
    cookies = scope_header(scope, "cookie")
    if not cookies:
        return None
    return parse_cookie(cookies).get(cookie_name) or None
