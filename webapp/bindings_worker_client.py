"""What webapp asks of bindings-worker, by service invocation through its sidecar.

bindings-worker answers only the caller webapp (bindings_worker/api.py). Any failure to
get an answer is BindingsWorkerUnavailable, which pages show as "try again later".
"""

from __future__ import annotations

from typing import Any

import httpx

from audit import publish as audit_publish
from audit import record as audit_record
from common.dapr.errors import DaprError
from common.dapr.invoke import invoke
from common.dapr_names import BINDINGS_WORKER_APP_ID

# The settings page waits for these: better an "unavailable" message than a hung page.
TIMEOUT_SECONDS = 5.0


class BindingsWorkerUnavailable(RuntimeError):
    """bindings-worker (or a sidecar between) gave no usable answer."""


class EmailNotSent(ValueError):
    """bindings-worker answered, but the e-mail was not sent; the message says why."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


async def _call(path: str, **kwargs: Any) -> httpx.Response:
    try:
        return await invoke(BINDINGS_WORKER_APP_ID, path, timeout=TIMEOUT_SECONDS, **kwargs)
    except DaprError as failed:
        raise BindingsWorkerUnavailable(str(failed)) from None


def _error_of(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"])
    except (ValueError, KeyError, TypeError):
        return f"answered {response.status_code}"


async def notify_preferences_changed(owner: int) -> int:
    """Has bindings-worker move `owner`'s pending reminders; returns how many it re-planned."""
    response = await _call("api/preferences-changed", method="POST", json={"owner": owner})
    if not response.is_success:
        raise BindingsWorkerUnavailable(_error_of(response))
    return int(response.json().get("rescheduled", 0))


async def send_test_email(owner: int) -> str:
    """Sends `owner` a test e-mail; returns the address it went to.

    Raises EmailNotSent (refused address, no address: a 4xx) or
    BindingsWorkerUnavailable (worker, sidecar or mail server down).
    """
    return await _audited_send("email.test", "api/test-email", {"owner": owner})


async def send_email_verification(owner: int, link: str) -> str:
    """Mails `owner`'s address the link that verifies it; returns the address. Raises as
    send_test_email."""
    body = {"owner": owner, "link": link}
    return await _audited_send("email.verification", "api/email-verification", body)


async def _audited_send(action: str, path: str, body: dict[str, Any]) -> str:
    owner = body["owner"]
    try:
        address = await _send_email(path, body)
    except (EmailNotSent, BindingsWorkerUnavailable) as failure:
        await _audit_email(action, owner, "failed", str(failure))
        raise
    await _audit_email(action, owner, "success", "")
    return address


async def _send_email(path: str, body: dict[str, Any]) -> str:
    response = await _call(path, method="POST", json=body)
    if response.status_code in (404, 422):
        raise EmailNotSent(_error_of(response), response.status_code)
    if not response.is_success:
        raise BindingsWorkerUnavailable(_error_of(response))
    try:
        return str(response.json()["to"])
    except (ValueError, KeyError, TypeError):
        raise BindingsWorkerUnavailable("answered without an address") from None


async def _audit_email(action: str, owner: int, outcome: str, reason: str) -> None:
    # The address (and a verification link) stay out of the trail: the target is the user.
    record = audit_record.build(action, "user", owner, outcome=outcome, reason=reason)
    await audit_publish.send(record)


async def list_upcoming_reminders(owner: int) -> list[dict[str, Any]]:
    """`owner`'s open tasks with a due date and their reminders, soonest due first."""
    response = await _call("api/reminders", params={"owner": owner})
    if not response.is_success:
        raise BindingsWorkerUnavailable(_error_of(response))
    try:
        reminders = response.json()["reminders"]
    except (ValueError, KeyError, TypeError):
        raise BindingsWorkerUnavailable("answered without reminders") from None
    return [r for r in reminders if isinstance(r, dict)] if isinstance(reminders, list) else []
