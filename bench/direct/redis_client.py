"""One Redis client per event loop, on the channel layer's Redis (the same server)."""

from __future__ import annotations

import asyncio
import weakref

import redis.asyncio as redis
from django.conf import settings

KEY_PREFIX = "baseline||"

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.Redis] = (
    weakref.WeakKeyDictionary()
)


def client() -> redis.Redis:
    loop = asyncio.get_running_loop()
    found = _clients.get(loop)
    if found is None:
        found = redis.Redis.from_url(settings.CHANNEL_REDIS_URL)
        _clients[loop] = found
    return found
