"""Distributed locks from the `lockstore` component (Dapr lock API, alpha)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from common import dapr_names
from common.sidecar import api_token_headers, sidecar_http_url

TIMEOUT_SECONDS = 10.0


class LockUnavailable(RuntimeError):
    """The lock API did not answer."""


async def _call(operation: str, body: dict[str, object]) -> dict[str, object]:
    url = f"{sidecar_http_url()}/v1.0-alpha1/{operation}/{dapr_names.LOCK_STORE}"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            response = await client.post(url, json=body, headers=api_token_headers())
    except httpx.HTTPError as error:
        raise LockUnavailable(f"lock API unreachable: {type(error).__name__}") from None
    if not response.is_success:
        raise LockUnavailable(f"{operation}: {response.status_code} {response.text[:200]}")
    return dict(response.json())


@asynccontextmanager
async def held(resource: str, expiry_seconds: int) -> AsyncIterator[bool]:
    """Tries once to take `resource`; yields whether this process holds it, then frees it."""
    owner = str(uuid.uuid4())
    taken = await _call(
        "lock",
        {"resourceId": resource, "lockOwner": owner, "expiryInSeconds": expiry_seconds},
    )
    acquired = bool(taken.get("success"))
    try:
        yield acquired
    finally:
        if acquired:
            await _call("unlock", {"resourceId": resource, "lockOwner": owner})
