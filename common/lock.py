"""Short distributed locks through the Dapr lock API (lock.redis)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from django.conf import settings

from common import direct_redis
from common.dapr_names import LOCK_STORE
from common.sidecar_client import sidecar_client

LOCK_API = "/v1.0-alpha1"


class LockUnavailable(RuntimeError):
    """The lock stayed taken (or the lock store unreachable) for the whole wait."""


async def try_lock(resource_id: str, owner: str, expiry_seconds: int) -> bool:
    if settings.TODO_BACKEND == "direct":
        return await direct_redis.try_lock(resource_id, owner, expiry_seconds)
    try:
        response = await sidecar_client().post(
            f"{LOCK_API}/lock/{LOCK_STORE}",
            json={"resourceId": resource_id, "lockOwner": owner, "expiryInSeconds": expiry_seconds},
        )
    except httpx.HTTPError as error:
        raise LockUnavailable(f"lock {resource_id}: {error!r}") from error
    if not response.is_success:
        raise LockUnavailable(f"lock {resource_id}: {response.status_code} {response.text[:200]}")
    return bool(response.json().get("success"))


async def unlock(resource_id: str, owner: str) -> None:
    if settings.TODO_BACKEND == "direct":
        return await direct_redis.unlock(resource_id, owner)
    with contextlib.suppress(httpx.HTTPError):  # it expires by itself
        await sidecar_client().post(
            f"{LOCK_API}/unlock/{LOCK_STORE}", json={"resourceId": resource_id, "lockOwner": owner}
        )


@asynccontextmanager
async def held(
    resource_id: str, wait_seconds: float = 5.0, expiry_seconds: int = 10
) -> AsyncIterator[None]:
    """Holds `resource_id` for the block, waiting (jittered) while another holder has it."""
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + wait_seconds
    delay = 0.002
    while not await try_lock(resource_id, owner, expiry_seconds):
        if time.monotonic() > deadline:
            raise LockUnavailable(f"{resource_id} stayed locked for {wait_seconds} s")
        await asyncio.sleep(random.uniform(0, delay))  # noqa: S311 (jitter, not security)
        delay = min(delay * 2, 0.05)
    try:
        yield
    finally:
        await unlock(resource_id, owner)
