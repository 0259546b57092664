"""Sending e-mail through the `smtp` output binding of the local sidecar.

The binding (components-contrib 1.18) merges each request's emailTo/subject into the
component's shared metadata, so concurrent sends through one sidecar can swap
recipients: this process sends one message at a time.

The binding cannot be stopped once it has started a message: it ignores the request's
context, and gomail bounds only the TCP connect (10 s), not the SMTP conversation. A
caller that stops waiting (a resiliency timeout, this client's) leaves the message to go
out whenever a hung server wakes up. So the sidecar has no timeout or retry on this
binding (components/resiliency.yaml), and a send this process gave up waiting for is
reported as in doubt, never as not sent: retrying it is how one reminder became several
e-mails.
"""

from __future__ import annotations

import asyncio
import logging
import re

import httpx

from bindings_worker.emails import Email
from common import dapr_names
from common.dapr.bindings import invoke_binding
from common.dapr.errors import DaprError

logger = logging.getLogger(__name__)

# How long to wait for the sidecar's answer: well above gomail's own 10 s connect timeout,
# so a server that does not take connections is a definite "not sent" (safe to retry);
# only a server that took the connection and then hung can outlast it (in doubt).
TIMEOUT_SECONDS = 60.0
# How long a send waits for the one before it; past this it was not sent (retry later).
QUEUE_SECONDS = 30.0
# The longest send() can take: a caller that finds an attempt older than this recorded
# as in progress knows that attempt's caller is no longer waiting for it.
LONGEST_SEND_SECONDS = QUEUE_SECONDS + TIMEOUT_SECONDS
# gomail reports the server's reply, e.g. "... could not send email 1: 550 5.1.1 ...".
PERMANENT_REPLY = re.compile(r": 5\d\d[ -]")

# Binds to the event loop on first contended use (Python >= 3.10), Daphne's one loop.
_one_at_a_time = asyncio.Lock()


class MailError(RuntimeError):
    """The message was not confirmed as sent."""


class MailNotSent(MailError):
    """The message was not sent but may be later (server down, refused connection): retry."""


class MailRejected(MailNotSent):
    """The server refused the message for good (e.g. unknown mailbox): do not retry."""


class MailInDoubt(MailError):
    """No answer in time: the sidecar may still deliver it. Do not send it again."""


def binding_metadata(email: Email) -> dict[str, str]:
    return {"emailTo": email.to, "subject": email.subject}


async def send(email: Email) -> None:
    """Sends `email`; raises MailRejected, MailNotSent or MailInDoubt when not confirmed."""
    try:
        async with asyncio.timeout(QUEUE_SECONDS):
            await _one_at_a_time.acquire()
    except TimeoutError:
        raise MailNotSent(f"another e-mail is still being sent after {QUEUE_SECONDS} s") from None
    try:
        response = await _invoke(email)
    finally:
        _one_at_a_time.release()
    if response.is_success:
        logger.info("e-mail sent", extra={"subject": email.subject})
        return
    reason = _error_message(response)
    if PERMANENT_REPLY.search(reason):
        raise MailRejected(reason)
    raise MailNotSent(reason)


async def _invoke(email: Email) -> httpx.Response:
    try:
        return await invoke_binding(
            dapr_names.SMTP_BINDING,
            "create",
            email.html,
            binding_metadata(email),
            timeout=TIMEOUT_SECONDS,
        )
    except DaprError as error:
        if isinstance(error.__cause__, httpx.TimeoutException):
            raise MailInDoubt(
                f"no answer from the smtp binding in {TIMEOUT_SECONDS} s; it may still be sent"
            ) from None
        # The request never reached the sidecar, or the sidecar went away with it.
        raise MailNotSent(f"smtp binding unreachable: {error}") from None


def _error_message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text))
    except ValueError:
        return f"smtp binding answered {response.status_code}: {response.text[:200]}"
