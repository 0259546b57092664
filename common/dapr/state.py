"""The Dapr state API: reads with ETags, first-write saves, transactions, bulk reads.

Dapr prefixes each with the app-id (`webapp||<key>`), so two
apps' keys never meet even when their names look alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from common.dapr import client
from common.dapr.errors import DaprConflict, DaprUnavailable, raise_for_status

FIRST_WRITE = {"concurrency": "first-write", "consistency": "strong"}
LAST_WRITE = {"concurrency": "last-write", "consistency": "strong"}


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


def _path(store: str, key: str = "") -> str:
    # Keys are the services' own (letters, digits, dashes), never user input.
    return f"/v1.0/state/{store}/{key}" if key else f"/v1.0/state/{store}"


def _item(response: httpx.Response, key: str) -> StateItem | None:
    if response.status_code == httpx.codes.NO_CONTENT:
        return None
    raise_for_status(response, f"read {key}")
    if not response.content:
        return None
    return StateItem(value=json.loads(response.content), etag=response.headers.get("etag", ""))


# state.redis reports a stale ETag inside a transaction only as its Lua script's error.
REDIS_TRANSACTION_ETAG_ERROR = "failed to set key"


def _check_write(response: httpx.Response, what: str) -> None:
    if (
        response.status_code == httpx.codes.INTERNAL_SERVER_ERROR
        and REDIS_TRANSACTION_ETAG_ERROR in response.text
    ):
        raise DaprConflict(f"{what}: {response.text[:200]}")
    raise_for_status(response, what)


def _save_request(
    key: str, value: Any, options: dict[str, str], etag: str | None, ttl_seconds: int | None
) -> list[dict[str, Any]]:
    request: dict[str, Any] = {"key": key, "value": value, "options": options}
    if etag is not None:
        request["etag"] = etag
    if ttl_seconds is not None:
        request["metadata"] = {"ttlInSeconds": str(ttl_seconds)}
    return [request]


async def get_item(store: str, key: str, timeout: float | None = None) -> StateItem | None:
    """`key`'s value and ETag (None when it does not exist); raises DaprError."""
    response = await client.request("GET", _path(store, key), what=f"read {key}", timeout=timeout)
    return _item(response, key)


async def save_item(
    store: str, key: str, value: Any, etag: str | None, ttl_seconds: int | None = None
) -> None:
    """First-write save: DaprConflict when `etag` is stale (or None and the key exists)."""
    what = f"save {key}"
    body = _save_request(key, value, FIRST_WRITE, etag, ttl_seconds)
    _check_write(await client.request("POST", _path(store), what=what, json=body), what)


async def transact(store: str, operations: list[dict[str, Any]]) -> None:
    """Runs `operations` as one transaction (and, on an outbox store, one publish each).

    state.redis does not roll back: a transaction whose ETag check failed may still have
    written its outbox marker (docs/design.md).
    """
    what = "transaction"
    response = await client.request(
        "POST", f"{_path(store)}/transaction", what=what, json={"operations": operations}
    )
    _check_write(response, what)


async def get_bulk(store: str, keys: list[str]) -> dict[str, Any]:
    """The values of those of `keys` that exist, by key (one request for them all)."""
    if not keys:
        return {}
    response = await client.call(
        "POST", f"{_path(store)}/bulk", what="bulk read", json={"keys": keys}
    )
    return {item["key"]: item["data"] for item in response.json() if "data" in item}


def get_item_sync(store: str, key: str) -> StateItem | None:
    """get_item for callers Django runs synchronously (the session engine)."""
    what = f"read {key}"
    try:
        response = client.sync_sidecar_client().get(_path(store, key))
    except httpx.HTTPError as error:
        raise DaprUnavailable(f"{what}: {type(error).__name__}: {error}") from error
    return _item(response, key)


def save_item_sync_last_write(
    store: str, key: str, value: Any, ttl_seconds: int | None = None
) -> None:
    """Last-write-wins save, for data only one request at a time writes (a session).

    (A key once saved with first-write can only be saved again with its ETag, so data
    that never needs a compare-and-set is never written with first-write.)
    """
    body = _save_request(key, value, {"concurrency": "last-write"}, None, ttl_seconds)
    client.call_sync("POST", _path(store), what=f"save {key}", json=body)


def delete_item_sync(store: str, key: str) -> None:
    client.call_sync("DELETE", _path(store, key), what=f"delete {key}")
