"""The live-sync socket of one tab (protocol: sync_worker.protocol, README "Live sync").

Keeps what this tab has been sent (`seq`, in the log's `epoch`) and sends only what
follows it, in order: pushes that repeat are skipped, a push past a gap makes it catch up
from the user's log, and a log that was reset makes it send a refresh.
"""

from __future__ import annotations

import logging
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from common import metrics
from common.cloudevents import MalformedEvent
from common.dapr.errors import DaprError
from common.session_ids import fingerprint
from sync_worker import handshake, socket_cap
from sync_worker.fanout import user_group
from sync_worker.protocol import (
    CLOSE_FRAME_TOO_LARGE,
    CLOSE_NOT_SIGNED_IN,
    CLOSE_TOO_MANY_SOCKETS,
    CLOSE_TRY_AGAIN_LATER,
    MAX_FRAME_BYTES,
    JunkFrame,
    event_message,
    frame_size,
    parse_client_frame,
    refresh_message,
)
from sync_worker.rendering import render_logged
from sync_worker.sequencer import load_catch_up
from sync_worker.sessions import SessionCheckUnavailable, find_session_user
from sync_worker.synclog import CatchUp, SyncLog

logger = logging.getLogger(__name__)


class TaskSyncConsumer(AsyncWebsocketConsumer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id: int | None = None
        # None until the tab's hello: pushes before it are covered by the hello's catch-up.
        self.seq: int | None = None
        self.epoch = ""
        # Whether this socket is in the open-WebSockets gauge (only accepted, signed-in ones).
        self.counted = False
        # Which session opened it (common.session_ids), so its sign-out can close it.
        self.session = ""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Leaves the open-WebSockets gauge however the socket ends: a disconnect, a handler
        that raised, or Daphne cancelling the consumer (no disconnect handler runs then)."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            await socket_cap.release(getattr(self, "channel_name", ""))
            if self.counted:
                self.counted = False
                metrics.OPEN_WEBSOCKETS.dec()

    async def dispatch(self, message: dict[str, Any]) -> None:
        """AsyncConsumer.dispatch without closing stale database connections first: these
        sockets never use the database, and that check is a worker-thread hop per message
        (ten per change for a user with ten tabs)."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        if not handshake.origin_allowed(self.scope, settings.SYNC_ALLOWED_ORIGINS):
            logger.warning(
                "live-sync socket refused: origin not allowed",
                extra={"origin": handshake.scope_header(self.scope, "origin")},
            )
            await self.close()  # before accept: the handshake is answered 403
            return
        key = handshake.session_key(self.scope, settings.SESSION_COOKIE_NAME)
        try:
            self.user_id = await find_session_user(key) if key else None
        except SessionCheckUnavailable:
            logger.warning("live-sync socket: session check unavailable", exc_info=True)
            await self._accept_and_close(CLOSE_TRY_AGAIN_LATER)
            return
        if self.user_id is None:
            # A close code needs an accepted socket; nothing is sent before the close.
            await self._accept_and_close(CLOSE_NOT_SIGNED_IN)
            return
        if not await socket_cap.acquire(self.user_id, self.channel_name):
            logger.info("live-sync socket refused: too many open", extra={"user": self.user_id})
            await self._accept_and_close(CLOSE_TOO_MANY_SOCKETS)
            return
        self.session = fingerprint(key) if key else ""
        group = user_group(self.user_id)
        # Join before accepting, so no push after the tab's hello can be missed.
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups.append(group)
        await self.accept()
        self.counted = True
        metrics.OPEN_WEBSOCKETS.inc()

    async def _accept_and_close(self, code: int) -> None:
        await self.accept()
        await self.close(code)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if frame_size(text_data, bytes_data) > MAX_FRAME_BYTES:
            await self.close(CLOSE_FRAME_TOO_LARGE)
            return
        if self.user_id is None:
            return
        try:
            request = parse_client_frame(text_data)
        except JunkFrame as junk:
            logger.debug("live-sync frame ignored", extra={"reason": str(junk)})
            return
        await self._catch_up(request.after)

    async def session_signed_out(self, message: dict[str, Any]) -> None:
        """A sign-out of some session of this user (fanout.close_session): if it is this
        socket's, nothing more is sent and the socket closes with 4401."""
        if message.get("session") != self.session or self.user_id is None:
            return
        self.user_id, self.seq = None, None  # receive() and sync_event() now do nothing
        await self.close(CLOSE_NOT_SIGNED_IN)

    async def sync_event(self, message: dict[str, Any]) -> None:
        """A push from fanout.push_event (any instance)."""
        if self.seq is None:
            return
        epoch, seq = message["epoch"], message["seq"]
        if self.epoch and epoch != self.epoch:
            await self._catch_up(self.seq)  # the log was reset: _catch_up sends a refresh
        elif seq <= self.seq:
            return
        elif seq == self.seq + 1:
            refresh = message.get("refresh", False)
            await self.send(
                refresh_message(seq) if refresh else event_message(seq, message["html"])
            )
            self.seq, self.epoch = seq, epoch
            metrics.observe_delivery(message.get("occurred_at", ""))
        else:
            await self._catch_up(self.seq)

    async def _catch_up(self, after: int) -> None:
        assert self.user_id is not None
        try:
            log, catch_up = await load_catch_up(self.user_id, after)
        except DaprError:
            logger.warning("live-sync catch-up failed: state store unavailable", exc_info=True)
            await self.close(CLOSE_TRY_AGAIN_LATER)
            return
        await self._send_catch_up(log, catch_up)

    async def _send_catch_up(self, log: SyncLog, catch_up: CatchUp) -> None:
        reset = bool(self.epoch) and log.epoch != self.epoch
        self.epoch = log.epoch
        try:
            messages = [event_message(e.seq, render_logged(e)) for e in catch_up.events]
        except MalformedEvent:
            logger.exception("sync log holds an unreadable event; refreshing the tab")
            reset = True
        if reset or catch_up.refresh:
            messages = [refresh_message(log.seq)]
        for message in messages:
            await self.send(message)
        self.seq = log.seq
        if messages:  # a tab that missed nothing was served nothing
            answer = "refresh" if reset or catch_up.refresh else "events"
            metrics.CATCHUPS_SERVED.labels(answer=answer).inc()
