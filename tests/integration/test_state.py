"""State through the sidecar: save, get, delete, an ETag conflict answered as one, and the
transaction and bulk read the services use."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from dapr.clients import DaprClient
from dapr.clients.exceptions import DaprGrpcError
from dapr.conf import settings as dapr_settings

from common.dapr import state
from common.dapr.client import sidecar_client
from common.dapr_names import STATE_STORE
from tests.conftest import RunningSystem
from tests.sidecar_tokens import sidecar_headers

pytestmark = pytest.mark.integration


@pytest.fixture
def state_url(system: RunningSystem) -> str:
    return f"{system.service('webapp').sidecar_url}/v1.0/state/{STATE_STORE}"


@pytest.fixture
def sidecar(system: RunningSystem) -> Iterator[httpx.Client]:
    """A client of webapp's sidecar that sends its API token."""
    with httpx.Client(headers=sidecar_headers(system.service("webapp")), timeout=10) as client:
        yield client


@pytest.fixture
def key() -> str:
    return f"test-{uuid.uuid4()}"


def test_save_get_delete(sidecar: httpx.Client, state_url: str, key: str) -> None:
    saved = sidecar.post(state_url, json=[{"key": key, "value": {"title": "Buy milk"}}])
    assert saved.status_code == 204
    got = sidecar.get(f"{state_url}/{key}")
    assert got.json() == {"title": "Buy milk"}
    assert got.headers["etag"]
    assert sidecar.delete(f"{state_url}/{key}").status_code == 204
    assert sidecar.get(f"{state_url}/{key}").status_code == 204  # gone: no content


def test_stale_etag_is_a_409_conflict_and_keeps_the_winner(
    sidecar: httpx.Client, state_url: str, key: str
) -> None:
    sidecar.post(state_url, json=[{"key": key, "value": "v1"}]).raise_for_status()
    etag = sidecar.get(f"{state_url}/{key}").headers["etag"]
    first_write = {"concurrency": "first-write", "consistency": "strong"}
    winner = sidecar.post(
        state_url, json=[{"key": key, "value": "winner", "etag": etag, "options": first_write}]
    )
    loser = sidecar.post(
        state_url, json=[{"key": key, "value": "loser", "etag": etag, "options": first_write}]
    )
    assert winner.status_code == 204
    assert loser.status_code == 409
    assert loser.json()["errorCode"] == "ERR_STATE_SAVE"
    assert sidecar.get(f"{state_url}/{key}").json() == "winner"


def test_python_sdk_of_the_pinned_minor_talks_to_the_sidecar(
    system: RunningSystem, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    webapp = system.service("webapp")
    monkeypatch.setattr(dapr_settings, "DAPR_HTTP_PORT", webapp.dapr_http_port)
    monkeypatch.setattr(dapr_settings, "DAPR_HEALTH_TIMEOUT", 5)
    monkeypatch.setattr(dapr_settings, "DAPR_API_TOKEN", system.dapr_api_token)
    with DaprClient(address=f"127.0.0.1:{webapp.dapr_grpc_port}") as client:
        client.save_state(STATE_STORE, key, "via sdk")
        stale = client.get_state(STATE_STORE, key)
        assert stale.data == b"via sdk"
        client.save_state(STATE_STORE, key, "newer", etag=stale.etag)
        with pytest.raises(DaprGrpcError) as conflict:
            client.save_state(STATE_STORE, key, "stale", etag=stale.etag)
        assert conflict.value.code().name == "ABORTED"
        item = client.get_state(STATE_STORE, key)
        assert item.data == b"newer"
        client.delete_state(STATE_STORE, key, etag=item.etag)
        assert client.get_state(STATE_STORE, key).data == b""


def test_a_transaction_saves_with_a_ttl_and_deletes_and_a_bulk_read_skips_missing_keys(
    system: RunningSystem, key: str, settings: Any
) -> None:
    """common.state's transaction operations and bulk read, as the sync log uses them."""
    settings.DAPR_HTTP_PORT = system.service("sync_worker").dapr_http_port
    settings.DAPR_API_TOKEN = system.dapr_api_token
    first, second, never = f"{key}-1", f"{key}-2", f"{key}-never"

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        await state.transact(
            STATE_STORE,
            [
                state.Upsert(first, {"n": 1}, overwrite=True, ttl_seconds=60).to_operation(),
                state.Upsert(second, {"n": 2}, overwrite=True).to_operation(),
            ],
        )
        before = await state.get_bulk(STATE_STORE, [first, second, never])
        await state.transact(STATE_STORE, [state.Delete(first).to_operation()])
        after = await state.get_bulk(STATE_STORE, [first, second, never])
        await sidecar_client().aclose()  # this loop ends here
        return before, after

    before, after = asyncio.run(scenario())
    assert before == {first: {"n": 1}, second: {"n": 2}}
    assert after == {second: {"n": 2}}
