"""The live-sync wire protocol: what a tab may send, and the HTML messages it receives.

Client → server: JSON text frames `{"type": "hello" | "resync", "after": N}`, N being the
last contiguous sequence number the tab applied (0 = none). Server → client: HTML whose
top-level elements the htmx ws extension swaps out of band by id; each message starts
with the `#sync-seq` marker that carries the sequence number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from django.utils.html import format_html

# Client frames are tiny; anything larger is a broken or hostile client.
MAX_FRAME_BYTES = 4096
CLOSE_FRAME_TOO_LARGE = 1009
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_NOT_SIGNED_IN = 4401
# The user has SYNC_MAX_SOCKETS_PER_USER sockets open already (sync_worker.socket_cap).
CLOSE_TOO_MANY_SOCKETS = 4429

# Sequence numbers count one user's changes: 64 bits is more than any log reaches.
MAX_SEQ = 2**63 - 1

CatchUpType = Literal["hello", "resync"]


class JunkFrame(ValueError):
    """A client frame that is not part of the protocol; it is ignored."""


@dataclass(frozen=True)
class CatchUpRequest:
    """A `hello` (tab connected) or `resync` (tab saw a gap): send what follows `after`."""

    type: CatchUpType
    after: int


def parse_client_frame(text: str | None) -> CatchUpRequest:
    """Reads one client frame; raises JunkFrame for anything but a valid hello/resync."""
    if text is None:
        raise JunkFrame("binary frame")
    try:
        message = json.loads(text)
    except ValueError:
        raise JunkFrame("not JSON") from None
    except RecursionError:
        # A few thousand brackets fit in a frame and nest past Python's recursion limit.
        raise JunkFrame("JSON nested too deeply") from None
    if not isinstance(message, dict):
        raise JunkFrame("not a JSON object")
    kind, after = message.get("type"), message.get("after")
    if kind not in ("hello", "resync"):
        raise JunkFrame(f"unknown type {kind!r}")
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= MAX_SEQ:
        raise JunkFrame("after is not a sequence number")
    return CatchUpRequest(type=kind, after=after)


def frame_size(text: str | None, data: bytes | None) -> int:
    return len(text.encode()) if text is not None else len(data or b"")


def event_message(seq: int, html: str) -> str:
    """One event for a tab: the sequence marker, then the event's out-of-band fragment."""
    return format_html('<div id="sync-seq" data-seq="{}" hidden></div>', seq) + html


def refresh_message(seq: int) -> str:
    """Tells a tab to re-fetch its list (the events it lacks are gone) and continue at `seq`."""
    return format_html('<div id="sync-seq" data-seq="{}" data-refresh="true" hidden></div>', seq)
