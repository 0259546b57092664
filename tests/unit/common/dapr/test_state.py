"""The state gateway against a real HTTP server standing in for the sidecar's state API:
what it sends, and how each answer reads."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from pytest_django.fixtures import Settings

from common.dapr import client, state
from common.dapr.errors import DaprConflict, DaprRefused, DaprUnavailable
from devtools.topology import free_port

Answer = tuple[int, str, dict[str, str]]


def against(
    settings: Settings, answer: Answer, call: Callable[[], Awaitable[Any]]
) -> tuple[Any, list[dict[str, Any]]]:
    """Runs `call` with the sidecar answering `answer`; returns its result (or the error it
    raised) and the requests the sidecar saw."""
    seen: list[dict[str, Any]] = []

    async def handle(request: web.Request) -> web.Response:
        seen.append({"method": request.method, "path": request.path, "body": await request.text()})
        status, body, headers = answer
        return web.Response(status=status, text=body, headers=headers)

    async def run() -> Any:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        settings.DAPR_HTTP_PORT = port
        try:
            return await call()
        except Exception as error:
            return error
        finally:
            await client.sidecar_client().aclose()  # this loop ends here
            await runner.cleanup()

    return asyncio.run(run()), seen


def test_a_missing_key_is_none(settings: Settings) -> None:
    found, seen = against(settings, (204, "", {}), lambda: state.get_item("s", "k"))
    assert found is None
    assert (seen[0]["method"], seen[0]["path"]) == ("GET", "/v1.0/state/s/k")


def test_a_read_gives_the_value_and_its_etag(settings: Settings) -> None:
    found, _ = against(settings, (200, '{"n": 1}', {"etag": "3"}), lambda: state.get_item("s", "k"))
    assert found == state.StateItem({"n": 1}, "3")


def test_a_save_is_first_write_with_the_etag_read(settings: Settings) -> None:
    _, seen = against(settings, (204, "", {}), lambda: state.save_item("s", "k", {"n": 2}, "3", 60))
    assert json.loads(seen[0]["body"]) == [
        {
            "key": "k",
            "value": {"n": 2},
            "options": {"concurrency": "first-write", "consistency": "strong"},
            "etag": "3",
            "metadata": {"ttlInSeconds": "60"},
        }
    ]


def test_a_stale_etag_is_a_conflict(settings: Settings) -> None:
    error, _ = against(
        settings, (409, "etag mismatch", {}), lambda: state.save_item("s", "k", 1, "2")
    )
    assert isinstance(error, DaprConflict)


def test_a_stale_etag_inside_a_transaction_is_a_conflict_too(settings: Settings) -> None:
    """state.redis answers it as a 500 carrying its Lua script's error."""
    body = '{"errorCode":"ERR_STATE_TRANSACTION","message":"failed to set key tasks-7"}'
    error, _ = against(settings, (500, body, {}), lambda: state.transact("s", []))
    assert isinstance(error, DaprConflict)


def test_any_other_failure_of_a_transaction_is_unavailable(settings: Settings) -> None:
    error, _ = against(settings, (500, "redis down", {}), lambda: state.transact("s", []))
    assert isinstance(error, DaprUnavailable)


def test_a_refused_read_is_refused(settings: Settings) -> None:
    error, _ = against(settings, (401, "no token", {}), lambda: state.get_item("s", "k"))
    assert isinstance(error, DaprRefused)


def test_a_bulk_read_keeps_only_the_keys_that_exist(settings: Settings) -> None:
    body = json.dumps([{"key": "a", "data": 1, "etag": "1"}, {"key": "b"}])
    found, seen = against(settings, (200, body, {}), lambda: state.get_bulk("s", ["a", "b"]))
    assert found == {"a": 1}
    assert json.loads(seen[0]["body"]) == {"keys": ["a", "b"]}


def test_no_sidecar_is_unavailable(settings: Settings) -> None:
    settings.DAPR_HTTP_PORT = free_port()

    async def read() -> Any:
        try:
            return await state.get_item("s", "k")
        except DaprUnavailable as error:
            return error
        finally:
            await client.sidecar_client().aclose()

    assert isinstance(asyncio.run(read()), DaprUnavailable)


@pytest.mark.parametrize("upsert", [state.Upsert("k", 1), state.Upsert("k", 1, overwrite=True)])
def test_an_upsert_without_an_etag_sends_none(upsert: state.Upsert) -> None:
    assert "etag" not in upsert.to_operation()["request"]
