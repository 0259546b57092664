"""webapp's calls to bindings-worker: answers mapped to results, sent / refused / unavailable."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from asgiref.sync import async_to_sync

from common.dapr.errors import DaprUnavailable
from webapp import bindings_worker_client
from webapp.bindings_worker_client import (
    BindingsWorkerUnavailable,
    EmailNotSent,
    list_upcoming_reminders,
    send_test_email,
)


def answering(monkeypatch: pytest.MonkeyPatch, answer: httpx.Response | Exception) -> None:
    async def invoke(app_id: str, path: str, **kwargs: Any) -> httpx.Response:
        assert app_id == "bindings-worker"
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(bindings_worker_client, "invoke", invoke)


def test_test_email_sent_returns_the_address(monkeypatch: pytest.MonkeyPatch) -> None:
    answering(monkeypatch, httpx.Response(200, json={"status": "sent", "to": "a@example.com"}))
    assert async_to_sync(send_test_email)(1) == "a@example.com"


def test_refused_address_is_not_sent_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    answering(monkeypatch, httpx.Response(422, json={"error": "the mail server refused x"}))
    with pytest.raises(EmailNotSent, match="refused x"):
        async_to_sync(send_test_email)(1)


@pytest.mark.parametrize(
    "answer",
    [
        DaprUnavailable("no sidecar"),
        httpx.Response(500, text="ERR_DIRECT_INVOKE"),
        httpx.Response(503, json={"error": "the mail server is unavailable"}),
        httpx.Response(200, text="not json"),
    ],
)
def test_no_usable_answer_is_unavailable(
    monkeypatch: pytest.MonkeyPatch, answer: httpx.Response | Exception
) -> None:
    answering(monkeypatch, answer)
    with pytest.raises(BindingsWorkerUnavailable):
        async_to_sync(send_test_email)(1)
    with pytest.raises(BindingsWorkerUnavailable):
        async_to_sync(list_upcoming_reminders)(1)


def test_upcoming_reminders_are_the_worker_s_list(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = {"task_id": "t1", "title": "Call", "due": None, "status": "scheduled"}
    answering(monkeypatch, httpx.Response(200, json={"owner": 1, "reminders": [entry, 7]}))
    assert async_to_sync(list_upcoming_reminders)(1) == [entry]
