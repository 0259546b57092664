"""One pooled HTTP client per event loop for calls to the local sidecar.

Created lazily (never at import time, when the sidecar may not be up yet) and kept per
loop because an httpx.AsyncClient belongs to the loop that opened its connections. The
async client sends through aiohttp (httpx-aiohttp), several times cheaper per call than
httpcore's pool, which every service pays on every state, lock and publish call. Every
request carries the current W3C traceparent, so the sidecar's spans join the caller's trace.
"""

from __future__ import annotations

import asyncio
import weakref

import httpx
from httpx_aiohttp import AiohttpTransport

from common import tracing
from common.sidecar import api_token_headers, sidecar_http_url

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)
_sync_client: httpx.Client | None = None

TIMEOUT = httpx.Timeout(10.0, connect=2.0)
LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=50)


def sidecar_client() -> httpx.AsyncClient:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = httpx.AsyncClient(
            base_url=sidecar_http_url(),
            headers=api_token_headers(),
            timeout=TIMEOUT,
            transport=AiohttpTransport(limits=LIMITS, trust_env=False),
        )
        tracing.send_traceparent(client)
        _clients[loop] = client
    return client


def sync_sidecar_client() -> httpx.Client:
    """For the few callers Django runs synchronously (the session engine)."""
    global _sync_client
    if _sync_client is None:
        _sync_client = httpx.Client(
            base_url=sidecar_http_url(), headers=api_token_headers(), timeout=TIMEOUT
        )
        tracing.send_traceparent(_sync_client)
    return _sync_client
