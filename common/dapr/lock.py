"""Short distributed locks through the Dapr lock API (lock.redis, alpha)."""

from __future__ import annotations

import contextlib

from common.dapr import client
from common.dapr.errors import DaprError, DaprUnavailable
from common.dapr_names import LOCK_STORE

LOCK_API = "/v1.0-alpha1"


class LockUnavailable(DaprUnavailable):
    """The lock stayed taken (or the lock store unreachable) for the whole wait."""


async def try_lock(resource_id: str, owner: str, expiry_seconds: int) -> bool:
    """Takes `resource_id` for `owner` if free; whether it did. Raises LockUnavailable."""
    try:
        response = await client.call(
            "POST",
            f"{LOCK_API}/lock/{LOCK_STORE}",
            what=f"lock {resource_id}",
            json={"resourceId": resource_id, "lockOwner": owner, "expiryInSeconds": expiry_seconds},
        )
    except DaprError as error:
        raise LockUnavailable(str(error)) from error
    return bool(response.json().get("success"))


async def unlock(resource_id: str, owner: str) -> None:
    """Frees `resource_id` if `owner` holds it; a failure is harmless (it expires)."""
    with contextlib.suppress(DaprError):
        await client.request(
            "POST",
            f"{LOCK_API}/unlock/{LOCK_STORE}",
            what=f"unlock {resource_id}",
            json={"resourceId": resource_id, "lockOwner": owner},
        )
