"""The async sidecar client speaks httpx's vocabulary over aiohttp: requests, answers, errors."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web

from common import tracing
from common.dapr import client as dapr_client
from common.dapr.client import SidecarClient

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"

Seen = list[dict[str, Any]]


async def _serve(seen: Seen) -> tuple[web.AppRunner, str]:
    """A local HTTP server that records each request and answers with a JSON echo."""

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "headers": dict(request.headers),
                "body": body,
            }
        )
        if request.path == "/slow":
            await asyncio.sleep(1)
        if request.path == "/empty":
            return web.Response(status=204)
        return web.json_response({"echo": body.decode()}, status=201, headers={"ETag": "7"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}"


def with_server(test: Callable[[SidecarClient, str, Seen], Awaitable[None]]) -> None:
    async def run() -> None:
        seen: Seen = []
        runner, url = await _serve(seen)
        client = SidecarClient(url, {"dapr-api-token": "secret"})
        try:
            await test(client, url, seen)
        finally:
            await client.aclose()
            await runner.cleanup()

    asyncio.run(run())


def test_json_goes_out_and_the_answer_comes_back_as_an_httpx_response() -> None:
    async def check(client: SidecarClient, url: str, seen: Seen) -> None:
        response = await client.request(
            "POST", "/v1.0/state/s", json=[{"key": "k"}], params={"a": "1"}
        )
        assert isinstance(response, httpx.Response)
        assert response.status_code == 201
        assert response.headers["etag"] == "7"
        assert response.json() == {"echo": '[{"key": "k"}]'}
        request = seen[0]
        assert (request["method"], request["path"], request["query"]) == (
            "POST",
            "/v1.0/state/s",
            {"a": "1"},
        )
        assert request["headers"]["Content-Type"] == "application/json"
        assert request["headers"]["dapr-api-token"] == "secret"
        assert json.loads(request["body"]) == [{"key": "k"}]

    with_server(check)


def test_raw_content_goes_with_its_own_content_type() -> None:
    async def check(client: SidecarClient, url: str, seen: Seen) -> None:
        response = await client.request(
            "POST",
            "/v1.0/publish/p/t",
            content='{"id": "1"}',
            headers={"content-type": "application/cloudevents+json"},
        )
        assert response.is_success
        assert seen[0]["path"] == "/v1.0/publish/p/t"
        assert seen[0]["headers"]["Content-Type"] == "application/cloudevents+json"
        assert seen[0]["body"] == b'{"id": "1"}'

    with_server(check)


def test_an_empty_answer_has_no_content() -> None:
    async def check(client: SidecarClient, url: str, seen: Seen) -> None:
        response = await client.request("GET", "/empty")
        assert response.status_code == httpx.codes.NO_CONTENT
        assert response.content == b""

    with_server(check)


def test_the_current_traceparent_goes_with_every_request() -> None:
    async def check(client: SidecarClient, url: str, seen: Seen) -> None:
        with tracing.span("view", traceparent=PARENT):
            await client.request("DELETE", "/v1.0/state/s/k")
        await client.request("GET", "/v1.0/state/s/k")  # outside any span: no header
        assert seen[0]["headers"]["traceparent"].startswith(f"00-{TRACE_ID}-")
        assert "traceparent" not in seen[1]["headers"]

    with_server(check)


def test_no_answer_in_time_is_an_httpx_timeout() -> None:
    async def check(client: SidecarClient, url: str, seen: Seen) -> None:
        with pytest.raises(httpx.TimeoutException):
            await client.request("GET", "/slow", timeout=0.2)

    with_server(check)


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on (bound once, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_nobody_listening_is_an_httpx_transport_error(closed_port: int) -> None:
    async def run() -> None:
        client = SidecarClient(f"http://127.0.0.1:{closed_port}", {})
        try:
            with pytest.raises(httpx.TransportError):
                await client.request("GET", "/v1.0/healthz")
        finally:
            await client.aclose()

    asyncio.run(run())


def test_waiting_for_a_free_pooled_connection_is_not_a_connect_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under load every pooled connection can be busy; the wait is bounded by the call's
    timeout, not by the short connect timeout meant for a sidecar that does not listen."""
    monkeypatch.setattr(dapr_client, "MAX_CONNECTIONS", 1)
    monkeypatch.setattr(dapr_client, "CONNECT_TIMEOUT_SECONDS", 0.2)

    async def check(client: SidecarClient, url: str, seen: Seen) -> None:
        first, second = await asyncio.gather(
            client.request("GET", "/slow", timeout=5), client.request("GET", "/slow", timeout=5)
        )
        assert (first.status_code, second.status_code) == (201, 201)

    with_server(check)


def test_the_sync_client_sends_the_current_traceparent() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("traceparent", ""))
        return httpx.Response(204)

    hooks = {"request": [dapr_client.add_traceparent]}
    with httpx.Client(transport=httpx.MockTransport(handler), event_hooks=hooks) as client:
        with tracing.span("view", traceparent=PARENT):
            client.request("GET", "http://sidecar/v1.0/state/s/k")
        client.request("GET", "http://sidecar/v1.0/state/s/k")  # outside any span: no header
    assert len(seen) == 2
    assert seen[0].startswith(f"00-{TRACE_ID}-")
    assert seen[1] == ""
