"""The lock backend of the baseline: SET NX with an expiry."""

from __future__ import annotations

from bench.direct.redis_client import KEY_PREFIX, client


async def try_lock(resource_id: str, owner: str, expiry_seconds: int) -> bool:
    key = KEY_PREFIX + "lock-" + resource_id
    return bool(await client().set(key, owner, nx=True, ex=expiry_seconds))


async def unlock(resource_id: str, owner: str) -> None:
    key = KEY_PREFIX + "lock-" + resource_id
    if await client().get(key) == owner.encode():
        await client().delete(key)
