"""Seals audit records into the trail: the one writer of the audit store.

Records arrive in bulk from two topics (task-events, inside each change's event, and
audit, everything else). A batch is appended in one transaction under a short Dapr lock,
so any number of bindings-worker replicas (competing consumers) append in one order:
state.redis does not roll back a transaction whose head ETag failed, so without the lock
a loser's records would overwrite the winner's. Each batch's new head carries an Ed25519
checkpoint over it (signing costs microseconds, so every batch is signed, not every N).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from django.conf import settings

from audit import checkpoint, trail
from common.dapr import lock, secrets
from common.dapr.lock import LockUnavailable
from common.dapr_names import AUDIT_KEYS, AUDIT_SIGNING_SECRET

logger = logging.getLogger(__name__)

LOCK_RESOURCE = "audit-trail"
LOCK_WAIT_SECONDS = 5.0
LOCK_EXPIRY_SECONDS = 10

_signing_key: bytes | None = None


async def signing_key() -> bytes:
    """The private key, read once through the secrets API (secret store `auditkeys`)."""
    global _signing_key
    if _signing_key is None:
        values = await secrets.get_secret(AUDIT_KEYS, settings.AUDIT_SIGNING_KEY_NAME)
        _signing_key = values[AUDIT_SIGNING_SECRET].encode()
    return _signing_key


@asynccontextmanager
async def _appending() -> AsyncIterator[None]:
    """Holds the trail's append lock, waiting up to LOCK_WAIT_SECONDS (LockUnavailable)."""
    owner, deadline = uuid.uuid4().hex, time.monotonic() + LOCK_WAIT_SECONDS
    while not await lock.try_lock(LOCK_RESOURCE, owner, LOCK_EXPIRY_SECONDS):
        if time.monotonic() > deadline:
            raise LockUnavailable(f"{LOCK_RESOURCE} stayed locked for {LOCK_WAIT_SECONDS} s")
        await asyncio.sleep(0.01)  # another replica is appending one batch: milliseconds
    try:
        yield
    finally:
        await lock.unlock(LOCK_RESOURCE, owner)


async def seal(records: list[dict[str, Any]]) -> int:
    """Appends those of `records` not sealed yet; returns how many. Raises DaprError."""
    if not records:
        return 0
    key = await signing_key()
    async with _appending():
        fresh = await trail.unsealed(records)
        if not fresh:
            return 0
        head = await trail.read_head()
        _, link = trail.append_operations(head, fresh, None)
        operations, _ = trail.append_operations(head, fresh, checkpoint.sign(key, link))
        await trail.transact(operations)
    logger.info("audit records sealed", extra={"count": len(fresh), "seq": link.seq})
    return len(fresh)
