"""Sending e-mail through the `smtp` output binding of the local sidecar.

The binding (components-contrib 1.18) merges each request's emailTo/subject into the
component's shared metadata, so concurrent sends through one sidecar can swap
recipients: this process sends one message at a time.
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

# The sidecar's resiliency policy retries inside this call; leave it room.
TIMEOUT_SECONDS = 60.0
# gomail reports the server's reply, e.g. "... could not send email 1: 550 5.1.1 ...".
PERMANENT_REPLY = re.compile(r": 5\d\d[ -]")

# Binds to the event loop on first contended use (Python >= 3.10), Daphne's one loop.
_one_at_a_time = asyncio.Lock()


class MailNotSent(RuntimeError):
    """The message was not sent but may be later (server down, timeout): retry."""


class MailRejected(MailNotSent):
    """The server refused the message for good (e.g. unknown mailbox): do not retry."""


def binding_metadata(email: Email) -> dict[str, str]:
    return {"emailTo": email.to, "subject": email.subject}


async def send(email: Email) -> None:
    """Sends `email`; raises MailRejected or MailNotSent when it was not sent."""
    async with _one_at_a_time:
        try:
            response = await invoke_binding(
                dapr_names.SMTP_BINDING,
                "create",
                email.html,
                binding_metadata(email),
                timeout=TIMEOUT_SECONDS,
            )
        except DaprError as error:
            raise MailNotSent(f"smtp binding unreachable: {error}") from None
    if response.is_success:
        logger.info("e-mail sent", extra={"subject": email.subject})
        return
    reason = _error_message(response)
    if PERMANENT_REPLY.search(reason):
        raise MailRejected(reason)
    raise MailNotSent(reason)


def _error_message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", response.text))
    except ValueError:
        return f"smtp binding answered {response.status_code}: {response.text[:200]}"
