"""A client of a running system's Redis, authenticated with that system's password (tests
that read or write Redis directly, beside the sidecars)."""

from __future__ import annotations

from redis import Redis

from devtools.credentials import redis_password
from devtools.topology import Topology


def system_redis(topology: Topology, decode_responses: bool = False, db: int = 0) -> Redis:
    """Database 0 holds the Dapr components' data, 1 the channel layer's."""
    return Redis(
        host="127.0.0.1",
        port=topology.redis_port,
        db=db,
        password=redis_password(topology),
        decode_responses=decode_responses,
        socket_timeout=10,  # every call has a deadline
    )
