"""The distributed lock a task list's writers take, waiting (jittered) while it is held.

The ETag alone would catch a lost race, but state.redis does not roll a failed
transaction back: its outbox marker would publish a change never saved (docs/design.md).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from common import backends
from common.dapr.lock import LockUnavailable


@asynccontextmanager
async def held(
    resource_id: str, wait_seconds: float = 5.0, expiry_seconds: int = 10
) -> AsyncIterator[None]:
    """Holds `resource_id` for the block; raises LockUnavailable after `wait_seconds`."""
    lock = backends.lock()
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + wait_seconds
    delay = 0.002
    while not await lock.try_lock(resource_id, owner, expiry_seconds):
        if time.monotonic() > deadline:
            raise LockUnavailable(f"{resource_id} stayed locked for {wait_seconds} s")
        await asyncio.sleep(random.uniform(0, delay))  # noqa: S311 (jitter, not security)
        delay = min(delay * 2, 0.05)
    try:
        yield
    finally:
        await lock.unlock(resource_id, owner)
