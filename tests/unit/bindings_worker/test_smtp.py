"""bindings_worker.smtp: what each answer of the sidecar (or none) means for a send."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from asgiref.sync import async_to_sync

from bindings_worker import smtp
from bindings_worker.emails import Email
from common.dapr.errors import DaprUnavailable

EMAIL = Email(to="ada@example.test", subject="Reminder: Call Ada", html="<p>Call Ada</p>")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    monkeypatch.setattr(smtp, "_one_at_a_time", asyncio.Lock())  # one per test's loop
    return made


def answer(
    monkeypatch: pytest.MonkeyPatch,
    calls: list[dict[str, Any]],
    outcome: httpx.Response | Exception,
) -> None:
    async def invoke(
        name: str, operation: str, data: Any, metadata: dict[str, str], timeout: float
    ) -> httpx.Response:
        calls.append({"metadata": metadata, "timeout": timeout})
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(smtp, "invoke_binding", invoke)


def unavailable(cause: Exception) -> DaprUnavailable:
    try:
        raise DaprUnavailable(f"binding smtp create: {cause}") from cause
    except DaprUnavailable as error:
        return error


def send() -> None:
    async_to_sync(smtp.send)(EMAIL)


def test_a_send_waits_longer_than_the_bindings_own_connect_timeout(
    monkeypatch: pytest.MonkeyPatch, calls: list[dict[str, Any]]
) -> None:
    answer(monkeypatch, calls, httpx.Response(204))
    send()
    [call] = calls
    assert call["timeout"] > 10  # gomail gives up connecting after 10 s: that answer comes
    assert call["metadata"] == {"emailTo": EMAIL.to, "subject": EMAIL.subject}


def test_no_answer_in_time_is_in_doubt_not_a_failure(
    monkeypatch: pytest.MonkeyPatch, calls: list[dict[str, Any]]
) -> None:
    answer(monkeypatch, calls, unavailable(httpx.TimeoutException("no answer in 60 s")))
    with pytest.raises(smtp.MailInDoubt):
        send()


def test_an_unreachable_sidecar_is_not_sent(
    monkeypatch: pytest.MonkeyPatch, calls: list[dict[str, Any]]
) -> None:
    answer(monkeypatch, calls, unavailable(httpx.TransportError("connection refused")))
    with pytest.raises(smtp.MailNotSent) as raised:
        send()
    assert not isinstance(raised.value, smtp.MailRejected)


def test_the_servers_refusal_is_rejected_and_a_server_down_is_not_sent(
    monkeypatch: pytest.MonkeyPatch, calls: list[dict[str, Any]]
) -> None:
    refused = "error from smtp binding, sending email failed: 550 5.1.1 no such mailbox"
    answer(monkeypatch, calls, httpx.Response(500, json={"message": refused}))
    with pytest.raises(smtp.MailRejected):
        send()
    down = "error from smtp binding, sending email failed: dial tcp: connection refused"
    answer(monkeypatch, calls, httpx.Response(500, json={"message": down}))
    with pytest.raises(smtp.MailNotSent) as raised:
        send()
    assert not isinstance(raised.value, smtp.MailRejected)


def test_a_send_queued_behind_a_hung_one_gives_up_unsent(
    monkeypatch: pytest.MonkeyPatch, calls: list[dict[str, Any]]
) -> None:
    answer(monkeypatch, calls, httpx.Response(204))
    monkeypatch.setattr(smtp, "QUEUE_SECONDS", 0.05)

    async def behind_a_hung_send() -> None:
        await smtp._one_at_a_time.acquire()  # a send still waiting for its server
        await smtp.send(EMAIL)

    with pytest.raises(smtp.MailNotSent, match="still being sent"):
        async_to_sync(behind_a_hung_send)()
    assert calls == []  # it never reached the sidecar, so a retry cannot make two


def test_sends_go_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch, calls: list[dict[str, Any]]
) -> None:
    in_flight: list[int] = []
    most = 0

    async def invoke(
        name: str, operation: str, data: Any, metadata: dict[str, str], timeout: float
    ) -> httpx.Response:
        nonlocal most
        in_flight.append(1)
        most = max(most, len(in_flight))
        await asyncio.sleep(0.01)
        in_flight.pop()
        return httpx.Response(204)

    monkeypatch.setattr(smtp, "invoke_binding", invoke)

    async def three() -> None:
        await asyncio.gather(smtp.send(EMAIL), smtp.send(EMAIL), smtp.send(EMAIL))

    async_to_sync(three)()
    assert most == 1
