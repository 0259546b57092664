"""The Dapr state API, as used by the services: get with ETag, first-write saves,
transactions. All state access goes through here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.conf import settings

from common import direct_redis
from common.sidecar_client import sidecar_client, sync_sidecar_client

FIRST_WRITE = {"concurrency": "first-write", "consistency": "strong"}
LAST_WRITE = {"concurrency": "last-write", "consistency": "strong"}


class StateError(RuntimeError):
    """The sidecar could not read or write state; the caller should answer 503."""


class ETagMismatch(StateError):
    """Someone wrote the key since we read it (or created it first): a lost race."""


@dataclass(frozen=True)
class StateItem:
    value: Any
    etag: str


@dataclass(frozen=True)
class Upsert:
    """One upsert in a transaction; `etag=None` with first-write means 'must not exist'
    (Dapr's contract; state.redis does not enforce it inside a transaction).

    `overwrite` saves last-write-wins instead, for a key whose every writer writes the
    same value; `ttl_seconds` lets the store expire the key.
    """

    key: str
    value: Any
    etag: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    overwrite: bool = False
    ttl_seconds: int | None = None

    def to_operation(self) -> dict[str, Any]:
        options = LAST_WRITE if self.overwrite else FIRST_WRITE
        request: dict[str, Any] = {"key": self.key, "value": self.value, "options": options}
        if self.etag is not None:
            request["etag"] = self.etag
        metadata = dict(self.metadata)
        if self.ttl_seconds is not None:
            metadata["ttlInSeconds"] = str(self.ttl_seconds)
        if metadata:
            request["metadata"] = metadata
        return {"operation": "upsert", "request": request}


@dataclass(frozen=True)
class Delete:
    """One delete in a transaction, whatever the key's ETag (a missing key is no error)."""

    key: str

    def to_operation(self) -> dict[str, Any]:
        return {"operation": "delete", "request": {"key": self.key}}


def _item(response: httpx.Response) -> StateItem | None:
    if response.status_code == httpx.codes.NO_CONTENT or not response.content:
        return None
    if not response.is_success:
        raise StateError(f"state read failed: {response.status_code} {response.text[:200]}")
    return StateItem(value=json.loads(response.content), etag=response.headers.get("etag", ""))


# state.redis reports a stale ETag inside a transaction only as its Lua script's error.
REDIS_TRANSACTION_ETAG_ERROR = "failed to set key"


def _check_write(response: httpx.Response, what: str) -> None:
    if response.status_code == httpx.codes.CONFLICT:
        raise ETagMismatch(f"{what}: {response.text[:200]}")
    if (
        response.status_code == httpx.codes.INTERNAL_SERVER_ERROR
        and REDIS_TRANSACTION_ETAG_ERROR in response.text
    ):
        raise ETagMismatch(f"{what}: {response.text[:200]}")
    if not response.is_success:
        raise StateError(f"{what} failed: {response.status_code} {response.text[:200]}")


def _direct() -> bool:
    return settings.TODO_BACKEND == "direct"


async def get_item(store: str, key: str) -> StateItem | None:
    if _direct():
        found = await direct_redis.get(key)
        return None if found is None else StateItem(*found)
    return await get_item_from_sidecar(store, key)


async def get_item_from_sidecar(store: str, key: str) -> StateItem | None:
    """get_item through the sidecar, whatever TODO_BACKEND says (sessions live there in both)."""
    try:
        response = await sidecar_client().get(f"/v1.0/state/{store}/{key}")
    except httpx.HTTPError as error:
        raise StateError(f"state read of {key} failed: {error!r}") from error
    return _item(response)


async def save_item(
    store: str, key: str, value: Any, etag: str | None, ttl_seconds: int | None = None
) -> None:
    """First-write save: fails with ETagMismatch when `etag` is stale."""
    if _direct():
        try:
            return await direct_redis.put(key, value, etag, ttl_seconds)
        except direct_redis.DirectETagMismatch as error:
            raise ETagMismatch(str(error)) from None
    request: dict[str, Any] = {"key": key, "value": value, "options": FIRST_WRITE}
    if etag is not None:
        request["etag"] = etag
    if ttl_seconds is not None:
        request["metadata"] = {"ttlInSeconds": str(ttl_seconds)}
    try:
        response = await sidecar_client().post(f"/v1.0/state/{store}", json=[request])
    except httpx.HTTPError as error:
        raise StateError(f"state write of {key} failed: {error!r}") from error
    _check_write(response, f"save {key}")


async def transact(store: str, operations: list[dict[str, Any]]) -> None:
    """Runs `operations` as one transaction (and, on an outbox store, one publish each)."""
    if _direct():
        return await _transact_direct(operations)
    try:
        response = await sidecar_client().post(
            f"/v1.0/state/{store}/transaction", json={"operations": operations}
        )
    except httpx.HTTPError as error:
        raise StateError(f"state transaction failed: {error!r}") from error
    _check_write(response, "transaction")


async def _transact_direct(operations: list[dict[str, Any]]) -> None:
    """Baseline: the saves and deletes only (no outbox; the caller's direct publish delivers)."""
    for operation in operations:
        request = operation["request"]
        if operation["operation"] == "delete":
            await direct_redis.delete(request["key"])
            continue
        metadata = request.get("metadata", {})
        if metadata.get("outbox.projection") == "true":
            continue
        ttl = metadata.get("ttlInSeconds")
        try:
            await direct_redis.put(
                request["key"], request["value"], request.get("etag"), int(ttl) if ttl else None
            )
        except direct_redis.DirectETagMismatch as error:
            raise ETagMismatch(str(error)) from None


async def get_bulk(store: str, keys: list[str]) -> dict[str, Any]:
    """The values of those of `keys` that exist, by key (one request for them all)."""
    if not keys:
        return {}
    if _direct():
        return await direct_redis.get_many(keys)
    try:
        response = await sidecar_client().post(f"/v1.0/state/{store}/bulk", json={"keys": keys})
    except httpx.HTTPError as error:
        raise StateError(f"state bulk read failed: {error!r}") from error
    if not response.is_success:
        raise StateError(f"state bulk read failed: {response.status_code} {response.text[:200]}")
    return {item["key"]: item["data"] for item in response.json() if "data" in item}


def get_item_sync(store: str, key: str) -> StateItem | None:
    try:
        response = sync_sidecar_client().get(f"/v1.0/state/{store}/{key}")
    except httpx.HTTPError as error:
        raise StateError(f"state read of {key} failed: {error!r}") from error
    return _item(response)


def save_item_sync_last_write(
    store: str, key: str, value: Any, ttl_seconds: int | None = None
) -> None:
    """Last-write-wins save, for data only one request at a time writes (a session).

    (A key once saved with first-write can only be saved again with its ETag, so data
    that never needs a compare-and-set is never written with first-write.)
    """
    request: dict[str, Any] = {"key": key, "value": value, "options": {"concurrency": "last-write"}}
    if ttl_seconds is not None:
        request["metadata"] = {"ttlInSeconds": str(ttl_seconds)}
    try:
        response = sync_sidecar_client().post(f"/v1.0/state/{store}", json=[request])
    except httpx.HTTPError as error:
        raise StateError(f"state write of {key} failed: {error!r}") from error
    _check_write(response, f"save {key}")


def delete_item_sync(store: str, key: str) -> None:
    try:
        response = sync_sidecar_client().delete(f"/v1.0/state/{store}/{key}")
    except httpx.HTTPError as error:
        raise StateError(f"state delete of {key} failed: {error!r}") from error
    _check_write(response, f"delete {key}")
