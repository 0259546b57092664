"""Pushing sequenced events to every sync_worker instance through the channel layer.

Each open socket of a user is in the group `user.<id>`, whichever instance holds it. The
layer is at-most-once: a socket that misses a push sees a gap in seq and catches up from
the user's log.
"""

from __future__ import annotations

from typing import Any

from channels.layers import get_channel_layer

from sync_worker.sequencer import Sequenced

# The consumer method that handles a push (channels maps "sync.event" to sync_event).
EVENT_MESSAGE_TYPE = "sync.event"
# The consumer method that closes a signed-out session's sockets (session_signed_out).
SIGNED_OUT_MESSAGE_TYPE = "session.signed_out"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def push_message(sequenced: Sequenced, html: str) -> dict[str, Any]:
    return {
        "type": EVENT_MESSAGE_TYPE,
        "epoch": sequenced.epoch,
        "seq": sequenced.event.seq,
        "html": html,
        # A refresh entry: the socket sends a refresh message instead of `html`.
        "refresh": sequenced.event.is_refresh,
        # When the change happened, for the delivery latency measured after the send.
        "occurred_at": str(sequenced.event.data.get("occurred_at", "")),
    }


async def push_event(sequenced: Sequenced, html: str) -> None:
    """Sends a logged event, rendered once, to every socket of its owner on every instance."""
    await _layer().group_send(user_group(sequenced.owner), push_message(sequenced, html))


def _layer() -> Any:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("CHANNEL_LAYERS is not configured")
    return layer


async def close_session(owner: int, session: str) -> None:
    """Closes every socket of `owner`'s session `session` (its fingerprint), on every
    instance; the close reaches each socket ahead of any push sent after this returns."""
    await _layer().group_send(
        user_group(owner), {"type": SIGNED_OUT_MESSAGE_TYPE, "session": session}
    )
