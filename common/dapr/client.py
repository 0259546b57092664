"""One pooled HTTP client per event loop for calls to the local sidecar.

Created lazily (never at import time, when the sidecar may not be up yet) and kept per
loop because a connection pool belongs to the loop that opened its connections.

The async client is aiohttp's session behind httpx's vocabulary: the gateway gets an
`httpx.Response` and catches `httpx.HTTPError`, as with any httpx client, but a call skips
httpx's client pipeline (URL merging, cookies, auth and redirect hooks), which cost more
CPU than the call itself (docs/benchmarks.md#what-the-measurements-changed); every service
would pay it on each state, lock and publish call. Every request carries the current W3C
traceparent, so the sidecar's spans join the caller's trace.

Dapr passes the sidecar's ports to the app as DAPR_HTTP_PORT / DAPR_GRPC_PORT; the sidecar
always runs beside the app, so the host is loopback.
"""

from __future__ import annotations

import asyncio
import json as json_module
import weakref
from collections.abc import Mapping
from typing import Any

import aiohttp
import httpx
from django.conf import settings

from common import tracing
from common.dapr.errors import DaprUnavailable, raise_for_status

CONNECT_TIMEOUT_SECONDS = 2.0
MAX_CONNECTIONS = 200

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SidecarClient] = (
    weakref.WeakKeyDictionary()
)
_sync_client: httpx.Client | None = None


def call_timeout() -> float:
    """The deadline of a sidecar call that sets none of its own."""
    return float(settings.DAPR_CALL_TIMEOUT_SECONDS)


def sidecar_http_url() -> str:
    return f"http://127.0.0.1:{settings.DAPR_HTTP_PORT}"


def api_token_headers() -> dict[str, str]:
    """The `dapr-api-token` header when the sidecar is guarded by DAPR_API_TOKEN."""
    token = settings.DAPR_API_TOKEN
    return {"dapr-api-token": token} if token else {}


class SidecarClient:
    """The few httpx.AsyncClient methods the gateway uses, sent through aiohttp."""

    def __init__(self, base_url: str, headers: Mapping[str, str]) -> None:
        self._base_url = base_url
        self._headers = dict(headers)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS),
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: str | bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Sends one request to `path` on the sidecar (e.g. `/v1.0/state/statestore`), with a
        deadline of `timeout` seconds (default DAPR_CALL_TIMEOUT_SECONDS).

        Raises httpx.TimeoutException or httpx.TransportError when there is no answer.
        """
        timeout = timeout or call_timeout()
        send_headers = {**self._headers, **(headers or {})}
        if traceparent := tracing.current_traceparent():
            send_headers["traceparent"] = traceparent
        if json is not None:
            content = json_module.dumps(json)
            send_headers.setdefault("content-type", "application/json")
        url = self._base_url + path
        try:
            async with self._session.request(
                method,
                url,
                data=content.encode() if isinstance(content, str) else content,
                params=params,
                headers=send_headers,
                # sock_connect, not connect: aiohttp's `connect` also bounds the wait for a
                # free pooled connection, which under load is queueing, not a dead sidecar.
                timeout=aiohttp.ClientTimeout(total=timeout, sock_connect=CONNECT_TIMEOUT_SECONDS),
            ) as response:
                body = await response.read()
        except TimeoutError as error:
            raise httpx.TimeoutException(f"{method} {url}: no answer in {timeout} s") from error
        except aiohttp.ClientError as error:
            raise httpx.TransportError(f"{method} {url}: {error!r}") from error
        return httpx.Response(response.status, headers=list(response.headers.items()), content=body)

    async def aclose(self) -> None:
        await self._session.close()


def sidecar_client() -> SidecarClient:
    """This event loop's pooled client (made on first use)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = SidecarClient(sidecar_http_url(), api_token_headers())
        _clients[loop] = client
    return client


def sync_sidecar_client() -> httpx.Client:
    """For the few callers Django runs synchronously (the session engine)."""
    global _sync_client
    if _sync_client is None:
        _sync_client = httpx.Client(
            base_url=sidecar_http_url(),
            headers=api_token_headers(),
            timeout=httpx.Timeout(call_timeout(), connect=CONNECT_TIMEOUT_SECONDS),
            # Not OpenTelemetry's httpx instrumentation: its client span per call cost a
            # third as much CPU as the call, and the sidecar records a span for each call
            # (docs/benchmarks.md#what-the-measurements-changed).
            event_hooks={"request": [add_traceparent]},
        )
    return _sync_client


def add_traceparent(request: httpx.Request) -> None:
    if traceparent := tracing.current_traceparent():
        request.headers["traceparent"] = traceparent


def reset_sync_client() -> None:
    """Closes and forgets the sync client (tests: a new sidecar port). The async clients
    need no reset: each event loop has its own, gone with its loop."""
    global _sync_client
    if _sync_client is not None:
        _sync_client.close()
    _sync_client = None


async def request(
    method: str, path: str, *, what: str, timeout: float | None = None, **kwargs: Any
) -> httpx.Response:
    """Any answer the sidecar gives to `path`; DaprUnavailable when it gives none in time."""
    try:
        return await sidecar_client().request(method, path, timeout=timeout, **kwargs)
    except httpx.HTTPError as error:
        raise DaprUnavailable(f"{what}: {type(error).__name__}: {error}") from error


async def call(
    method: str, path: str, *, what: str, timeout: float | None = None, **kwargs: Any
) -> httpx.Response:
    """A successful answer of the sidecar to `path`, or the DaprError its failure means."""
    response = await request(method, path, what=what, timeout=timeout, **kwargs)
    raise_for_status(response, what)
    return response


def call_sync(method: str, path: str, *, what: str, **kwargs: Any) -> httpx.Response:
    """`call` for synchronous callers."""
    try:
        response = sync_sidecar_client().request(method, path, **kwargs)
    except httpx.HTTPError as error:
        raise DaprUnavailable(f"{what}: {type(error).__name__}: {error}") from error
    raise_for_status(response, what)
    return response
