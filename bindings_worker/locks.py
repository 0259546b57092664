"""Take-it-or-leave-it locks for the digest: one replica sends, the others skip."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from common.dapr import lock
from common.dapr.lock import LockUnavailable

__all__ = ["LockUnavailable", "held"]


@asynccontextmanager
async def held(resource: str, expiry_seconds: int) -> AsyncIterator[bool]:
    """Tries once to take `resource`; yields whether this process holds it, then frees it."""
    owner = uuid.uuid4().hex
    acquired = await lock.try_lock(resource, owner, expiry_seconds)
    try:
        yield acquired
    finally:
        if acquired:
            await lock.unlock(resource, owner)
