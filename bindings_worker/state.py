"""The bindings worker's own keys in the state store, with ETag concurrency.

Dapr prefixes each key with the app-id (`bindings-worker||<key>`), so these are not
webapp's keys even when the names look alike.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from common import dapr_names
from common.sidecar import sidecar_http_url
from common.sidecar_client import sidecar_client

TIMEOUT_SECONDS = 10.0
FIRST_WRITE = {"concurrency": "first-write", "consistency": "strong"}


class StateUnavailable(RuntimeError):
    """The sidecar or the store did not answer; try again later."""


class StateConflict(RuntimeError):
    """Someone else wrote the key since it was read (stale ETag)."""


def _url(key: str = "") -> str:
    base = f"{sidecar_http_url()}/v1.0/state/{dapr_names.STATE_STORE}"
    return f"{base}/{quote(key, safe='')}" if key else base


async def _request(method: str, url: str, **kwargs: Any) -> httpx.Response:
    try:
        return await sidecar_client().request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
    except httpx.HTTPError as error:
        raise StateUnavailable(f"state store unreachable: {type(error).__name__}") from None


async def get(key: str) -> tuple[Any, str | None]:
    """(value, ETag) of `key`; (None, None) when it does not exist."""
    response = await _request("GET", _url(key), params={"consistency": "strong"})
    if response.status_code == httpx.codes.NO_CONTENT:
        return None, None
    if not response.is_success:
        raise StateUnavailable(f"reading {key}: {response.status_code} {response.text[:200]}")
    return response.json(), response.headers.get("etag")


async def save(key: str, value: Any, etag: str | None) -> None:
    """Writes `key` only if unchanged since `etag` was read (absent when `etag` is None)."""
    item: dict[str, Any] = {"key": key, "value": value, "options": FIRST_WRITE}
    if etag is not None:
        item["etag"] = etag
    response = await _request("POST", _url(), json=[item])
    if response.status_code == httpx.codes.CONFLICT:
        raise StateConflict(key)
    if not response.is_success:
        raise StateUnavailable(f"writing {key}: {response.status_code} {response.text[:200]}")
