"""Lets the app close a socket with the RFC 6455 status codes the live-sync protocol uses.

Daphne closes through autobahn's `sendClose`, which accepts only 1000 and 3000-4999 and
turns any other code into an application error (the tab then sees 1011). The protocol
needs 1009 (frame too large) and 1013 (try again later), which RFC 6455 lets an endpoint
send, so those go out through `sendCloseFrame`, the call Daphne itself uses for 1011.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sync_worker.protocol import CLOSE_FRAME_TOO_LARGE, CLOSE_TRY_AGAIN_LATER

PROTOCOL_CLOSE_CODES = frozenset({CLOSE_FRAME_TOO_LARGE, CLOSE_TRY_AGAIN_LATER})


def allow_protocol_close_codes() -> None:
    """Patches Daphne's WebSocket protocol once (idempotent); call before serving."""
    from daphne.ws_protocol import WebSocketProtocol

    original: Callable[..., None] = WebSocketProtocol.serverClose
    if getattr(original, "allows_protocol_close_codes", False):
        return

    @functools.wraps(original)
    def server_close(self: Any, code: int | None = None) -> None:
        if code in PROTOCOL_CLOSE_CODES:
            self.sendCloseFrame(code=code)
        else:
            original(self, code=code)

    # A marker on the function object, which mypy types without attributes.
    server_close.allows_protocol_close_codes = True  # type: ignore[attr-defined]
    WebSocketProtocol.serverClose = server_close
