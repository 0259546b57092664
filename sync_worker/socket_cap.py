"""The cap on one user's open live-sync sockets (SYNC_MAX_SOCKETS_PER_USER), across every
sync_worker instance.

Each open socket holds a lease in the channel layer's Redis: a sorted set per user whose
members are the sockets' channel names, scored by when their lease ends. A socket takes a
lease only while fewer than the cap are unexpired (one Lua script, so two instances cannot
both take the last one), renews it while open (one pipeline per instance every
RENEW_SECONDS) and gives it back when it closes. A crashed instance's leases run out after
LEASE_SECONDS. Without a channel-layer Redis (unit tests) the count is per process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from django.conf import settings
from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LEASE_SECONDS = 90.0
RENEW_SECONDS = 30.0
KEY_PREFIX = "sync:sockets:"

# KEYS[1] the user's set; ARGV: now, lease end, cap, channel name. 1 if leased, else 0.
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) - tonumber(ARGV[1])))
return 1
"""


def user_key(user_id: int) -> str:
    return f"{KEY_PREFIX}{user_id}"


class _Leases:
    """This process's leases, and its one Redis client (made on first use, on the loop that
    serves the sockets: Daphne has no start-up hook)."""

    def __init__(self) -> None:
        self.held: dict[str, int] = {}  # channel name -> user id
        self.redis: Redis | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.renewer: asyncio.Task[None] | None = None

    def client(self) -> Redis | None:
        if not settings.CHANNEL_REDIS_URL:
            return None
        loop = asyncio.get_running_loop()
        if self.redis is None or self.loop is not loop:
            self.redis = Redis.from_url(settings.CHANNEL_REDIS_URL, socket_timeout=5)
            self.loop = loop
            self.renewer = None
        if self.renewer is None or self.renewer.done():
            self.renewer = loop.create_task(self._renew_forever())
        return self.redis

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            await self.renew()

    async def renew(self) -> None:
        """Extends every lease this process holds (XX: never brings back a released one)."""
        if self.redis is None or not self.held:
            return
        until = time.time() + LEASE_SECONDS
        pipeline = self.redis.pipeline(transaction=False)
        for channel, user_id in list(self.held.items()):
            pipeline.zadd(user_key(user_id), {channel: until}, xx=True)
            pipeline.expire(user_key(user_id), int(LEASE_SECONDS) + 1)
        try:
            await pipeline.execute()
        except RedisError:
            logger.warning("live-sync socket leases not renewed", exc_info=True)


_leases = _Leases()


async def acquire(user_id: int, channel: str) -> bool:
    """Whether `user_id` may open one more socket (then `channel` holds a lease)."""
    cap = settings.SYNC_MAX_SOCKETS_PER_USER
    if cap <= 0:
        return True
    redis = _leases.client()
    if redis is None:
        allowed = sum(1 for owner in _leases.held.values() if owner == user_id) < cap
    else:
        now = time.time()
        args: list[Any] = [now, now + LEASE_SECONDS, cap, channel]
        try:
            allowed = bool(await redis.eval(_ACQUIRE, 1, user_key(user_id), *args))
        except RedisError:
            # The cap is a guard against abuse, not a reason to refuse service.
            logger.warning("live-sync socket cap unchecked: Redis unavailable", exc_info=True)
            allowed = True
    if allowed:
        _leases.held[channel] = user_id
    return allowed


async def release(channel: str) -> None:
    """Gives back `channel`'s lease, if it holds one."""
    user_id = _leases.held.pop(channel, None)
    redis = _leases.redis
    if user_id is None or redis is None or not settings.CHANNEL_REDIS_URL:
        return
    try:
        await redis.zrem(user_key(user_id), channel)
    except RedisError:
        logger.warning("live-sync socket lease not released; it runs out", exc_info=True)


def forget() -> None:
    """Drops this process's leases and client (tests: each starts with none)."""
    _leases.held.clear()
    _leases.redis = None
    _leases.loop = None
    _leases.renewer = None
