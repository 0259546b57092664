"""Pieces of webapp's Content-Security-Policy computed from settings."""

from __future__ import annotations

from urllib.parse import urlsplit


def websocket_origin(url: str) -> list[str]:
    """The origin of an absolute ws:// or wss:// URL, for connect-src; none for a relative
    URL, which 'self' covers."""
    parts = urlsplit(url)
    if parts.scheme not in {"ws", "wss"} or not parts.netloc:
        return []
    return [f"{parts.scheme}://{parts.netloc}"]
