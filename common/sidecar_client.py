"""One pooled HTTP client per event loop for calls to the local sidecar.

Created lazily (never at import time, when the sidecar may not be up yet) and kept per
loop because a connection pool belongs to the loop that opened its connections.

The async client is aiohttp's session behind httpx's vocabulary: callers get an
`httpx.Response` and catch `httpx.HTTPError`, as with any httpx client, but a call skips
httpx's client pipeline (URL merging, cookies, auth and redirect hooks), which cost more
CPU than the call itself; every service pays it on each state, lock and publish call.
Every request carries the current W3C traceparent, so the sidecar's spans join the
caller's trace.
"""

from __future__ import annotations

import asyncio
import json as json_module
import weakref
from collections.abc import Mapping
from typing import Any

import aiohttp
import httpx

from common import tracing
from common.sidecar import api_token_headers, sidecar_http_url

TIMEOUT_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 2.0
MAX_CONNECTIONS = 200

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SidecarClient] = (
    weakref.WeakKeyDictionary()
)
_sync_client: httpx.Client | None = None


class SidecarClient:
    """The few httpx.AsyncClient methods the services use, sent through aiohttp."""

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
        url: str,
        *,
        json: Any = None,
        content: str | bytes | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> httpx.Response:
        """Sends one request; `url` is a path on the sidecar or an absolute URL.

        Raises httpx.TimeoutException or httpx.TransportError when there is no answer.
        """
        send_headers = {**self._headers, **(headers or {})}
        if traceparent := tracing.current_traceparent():
            send_headers["traceparent"] = traceparent
        if json is not None:
            content = json_module.dumps(json)
            send_headers.setdefault("content-type", "application/json")
        if not url.startswith(("http://", "https://")):
            url = self._base_url + url
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

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", url, **kwargs)

    async def aclose(self) -> None:
        await self._session.close()


def sidecar_client() -> SidecarClient:
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
            timeout=httpx.Timeout(TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
        )
        tracing.send_traceparent(_sync_client)
    return _sync_client
