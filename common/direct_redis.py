"""The benchmark baseline: the same state operations on Redis directly, no Dapr.

Enabled only by TODO_BACKEND=direct (bench/live_sync.py). It mirrors what the Dapr state
store does (a hash per key with `data` and a `version` used as the ETag) so the views and
services run unchanged; publishing hands the event straight to the sync worker's
processing function in this process, which pushes through Channels.
"""

from __future__ import annotations

import asyncio
import json
import weakref
from typing import Any

import redis.asyncio as redis
from django.conf import settings
from django.utils.module_loading import import_string

KEY_PREFIX = "baseline||"

# KEYS[1] key; ARGV[1] expected version ("" = any); ARGV[2] data. Returns the new version,
# or an error when the stored version differs.
SET_SCRIPT = """
local version = redis.call("HGET", KEYS[1], "version")
if ARGV[1] ~= "" and version ~= ARGV[1] then
  return redis.error_reply("etag mismatch")
end
redis.call("HSET", KEYS[1], "data", ARGV[2])
return redis.call("HINCRBY", KEYS[1], "version", 1)
"""

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.Redis] = (
    weakref.WeakKeyDictionary()
)


class DirectETagMismatch(Exception):
    """The stored version is not the one expected."""


def _client() -> redis.Redis:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = redis.Redis.from_url(settings.BASELINE_REDIS_URL)
        _clients[loop] = client
    return client


async def get(key: str) -> tuple[Any, str] | None:
    found = await _client().hgetall(KEY_PREFIX + key)
    if not found:
        return None
    return json.loads(found[b"data"]), found[b"version"].decode()


async def put(key: str, value: Any, etag: str | None, ttl_seconds: int | None = None) -> None:
    try:
        await _client().eval(SET_SCRIPT, 1, KEY_PREFIX + key, etag or "", json.dumps(value))
    except redis.ResponseError as error:
        raise DirectETagMismatch(str(error)) from None
    if ttl_seconds:
        await _client().expire(KEY_PREFIX + key, ttl_seconds)


async def delete(key: str) -> None:
    await _client().delete(KEY_PREFIX + key)


async def get_many(keys: list[str]) -> dict[str, Any]:
    pipeline = _client().pipeline(transaction=False)
    for key in keys:
        pipeline.hget(KEY_PREFIX + key, "data")
    found = await pipeline.execute()
    return {key: json.loads(data) for key, data in zip(keys, found, strict=True) if data}


async def try_lock(resource_id: str, owner: str, expiry_seconds: int) -> bool:
    return bool(
        await _client().set(KEY_PREFIX + "lock-" + resource_id, owner, nx=True, ex=expiry_seconds)
    )


async def unlock(resource_id: str, owner: str) -> None:
    key = KEY_PREFIX + "lock-" + resource_id
    if await _client().get(key) == owner.encode():
        await _client().delete(key)


async def deliver(data: dict[str, Any]) -> None:
    """Hands an event to the sync worker's processing, as its subscription would."""
    await import_string(settings.BASELINE_EVENT_HANDLER)(data)
