from __future__ import annotations

from typing import Any

import httpx
import pytest
from asgiref.sync import async_to_sync

from audit import publish
from common.dapr import client, invoke


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []

    async def capture(record: dict[str, Any]) -> None:
        records.append(record)

    monkeypatch.setattr(publish, "send", capture)
    monkeypatch.setattr("audit.signals.send", capture)
    monkeypatch.setattr("audit.signals.send_sync", lambda record: records.append(record))
    return records


def answering(monkeypatch: pytest.MonkeyPatch, status: int) -> None:
    async def request(method: str, path: str, **_: Any) -> httpx.Response:
        return httpx.Response(status, text="ERR_PERMISSION_DENIED")

    monkeypatch.setattr(client, "request", request)


def test_a_call_refused_by_the_callee_leaves_a_denied_record(
    monkeypatch: pytest.MonkeyPatch, sent: list[dict[str, Any]]
) -> None:
    answering(monkeypatch, 403)

    async def call() -> None:
        await invoke.invoke("sync-worker", "ops/dead-letters")

    async_to_sync(call)()
    [refused] = sent
    assert (refused["action"], refused["outcome"]) == ("invoke.call", "denied")
    assert refused["target"] == {"type": "app_method", "id": "sync-worker/ops/dead-letters"}


def test_an_allowed_call_leaves_no_record(
    monkeypatch: pytest.MonkeyPatch, sent: list[dict[str, Any]]
) -> None:
    answering(monkeypatch, 200)

    async def call() -> None:
        await invoke.invoke("sync-worker", "ops/dead-letters")

    async_to_sync(call)()
    assert sent == []
