"""The state, lock and publish backends of the task path, chosen once by settings.

As Django picks SESSION_ENGINE, settings name a module for each (STATE_BACKEND,
LOCK_BACKEND, PUBLISH_BACKEND) and callers reach it through these functions. Production
always names the Dapr gateway (the defaults, `common.dapr.*`); a benchmark may name a
module of its own with the same functions. What no benchmark swaps (sessions, everything
bindings-worker does) calls the gateway itself.
"""

from __future__ import annotations

import functools
from importlib import import_module
from typing import Any, Protocol, cast

from django.conf import settings

from common.dapr.state import StateItem


class StateBackend(Protocol):
    async def get_item(self, store: str, key: str) -> StateItem | None: ...

    async def save_item(
        self, store: str, key: str, value: Any, etag: str | None, ttl_seconds: int | None = None
    ) -> None: ...

    async def transact(self, store: str, operations: list[dict[str, Any]]) -> None: ...

    async def get_bulk(self, store: str, keys: list[str]) -> dict[str, Any]: ...


class LockBackend(Protocol):
    async def try_lock(self, resource_id: str, owner: str, expiry_seconds: int) -> bool: ...

    async def unlock(self, resource_id: str, owner: str) -> None: ...


class PublishBackend(Protocol):
    async def publish_cloudevent(
        self, topic: str, event_id: str, event_type: str, source: str, data: dict[str, Any]
    ) -> None: ...


@functools.cache
def state() -> StateBackend:
    return cast(StateBackend, import_module(settings.STATE_BACKEND))


@functools.cache
def lock() -> LockBackend:
    return cast(LockBackend, import_module(settings.LOCK_BACKEND))


@functools.cache
def publish() -> PublishBackend:
    return cast(PublishBackend, import_module(settings.PUBLISH_BACKEND))
