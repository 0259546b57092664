"""The state backend of the baseline: the Dapr gateway's functions on Redis hashes."""

from __future__ import annotations

import json
from typing import Any, cast

import redis.asyncio as redis

from bench.direct.redis_client import KEY_PREFIX, client
from common.dapr.errors import DaprConflict
from common.dapr.state import StateItem

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


async def get_item(store: str, key: str) -> StateItem | None:
    found = await client().hgetall(KEY_PREFIX + key)
    if not found:
        return None
    # The client decodes no responses, so values are bytes.
    return StateItem(json.loads(found[b"data"]), cast(bytes, found[b"version"]).decode())


async def save_item(
    store: str, key: str, value: Any, etag: str | None, ttl_seconds: int | None = None
) -> None:
    try:
        await client().eval(SET_SCRIPT, 1, KEY_PREFIX + key, etag or "", json.dumps(value))
    except redis.ResponseError as error:
        raise DaprConflict(str(error)) from None
    if ttl_seconds:
        await client().expire(KEY_PREFIX + key, ttl_seconds)


async def transact(store: str, operations: list[dict[str, Any]]) -> None:
    """The saves and deletes only (no outbox: the publish backend delivers)."""
    for operation in operations:
        request = operation["request"]
        if operation["operation"] == "delete":
            await client().delete(KEY_PREFIX + request["key"])
            continue
        metadata = request.get("metadata", {})
        if metadata.get("outbox.projection") == "true":
            continue
        ttl = metadata.get("ttlInSeconds")
        await save_item(
            store, request["key"], request["value"], request.get("etag"), int(ttl) if ttl else None
        )


async def get_bulk(store: str, keys: list[str]) -> dict[str, Any]:
    if not keys:
        return {}
    pipeline = client().pipeline(transaction=False)
    for key in keys:
        pipeline.hget(KEY_PREFIX + key, "data")
    found = await pipeline.execute()
    return {key: json.loads(data) for key, data in zip(keys, found, strict=True) if data}
