"""Endpoints webapp calls by service invocation: send a test e-mail or an address's
verification link, list reminders, reschedule after a preferences change."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from bindings_worker import reminder_index, smtp, users
from bindings_worker.emails import Email, test_email, verification_email
from bindings_worker.rescheduling import reschedule_owner_reminders
from common import dapr_names
from common.dapr.errors import DaprError
from common.dapr.guards import from_app

logger = logging.getLogger(__name__)


class BadRequest(ValueError):
    """The caller sent something this endpoint cannot use; the message says what."""


def owner_id(raw: Any) -> int:
    if isinstance(raw, str) and raw.isdigit():
        raw = int(raw)
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 1:
        raise BadRequest("owner must be a positive user id")
    return raw


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("body is not JSON") from None
    if not isinstance(body, dict):
        raise BadRequest('body must be an object like {"owner": 1}')
    return body


def error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
@from_app(dapr_names.WEBAPP_APP_ID)
async def send_test_email(request: HttpRequest) -> HttpResponse:
    try:
        owner = owner_id(json_body(request).get("owner"))
    except BadRequest as bad:
        return error(str(bad), 400)
    return await _send_to_owner(owner, test_email, "test e-mail")


def verification_link(raw: Any) -> str:
    """A link to webapp's own verification page (the only link this endpoint mails)."""
    base = settings.PUBLIC_BASE_URL.rstrip("/") + "/"
    if not isinstance(raw, str) or not raw.startswith(base) or len(raw) > 2000:
        raise BadRequest(f"link must be a string, a URL under {base}")
    return raw


@require_POST
@from_app(dapr_names.WEBAPP_APP_ID)
async def send_email_verification(request: HttpRequest) -> HttpResponse:
    """Mails the owner's address the signed link that proves it theirs (webapp made it)."""
    try:
        body = json_body(request)
        owner, link = owner_id(body.get("owner")), verification_link(body.get("link"))
    except BadRequest as bad:
        return error(str(bad), 400)
    return await _send_to_owner(
        owner, lambda to: verification_email(to, link), "verification e-mail"
    )


async def _send_to_owner(owner: int, make: Callable[[str], Email], what: str) -> HttpResponse:
    to = await users.owner_email(owner)
    if not to:
        return error(f"user {owner} does not exist or has no e-mail address", 404)
    try:
        await smtp.send(make(to))
    except smtp.MailRejected as rejected:
        return error(f"the mail server refused {to}: {rejected}", 422)
    except smtp.MailInDoubt as late:
        logger.warning(f"{what} unconfirmed", extra={"reason": str(late)})
        return error(f"the mail server did not answer in time; it may still arrive: {late}", 504)
    except smtp.MailNotSent as failed:
        logger.warning(f"{what} not sent", extra={"reason": str(failed)})
        return error(f"the mail server is unavailable: {failed}", 503)
    return JsonResponse({"status": "sent", "to": to})


@require_GET
@from_app(dapr_names.WEBAPP_APP_ID)
async def reminders(request: HttpRequest) -> HttpResponse:
    try:
        owner = owner_id(request.GET.get("owner"))
    except BadRequest as bad:
        return error(str(bad), 400)
    try:
        entries = await reminder_index.entries(owner)
    except DaprError as failed:
        return error(f"reminders are unavailable: {failed}", 503)
    return JsonResponse({"owner": owner, "reminders": entries})


@require_POST
@from_app(dapr_names.WEBAPP_APP_ID)
async def preferences_changed(request: HttpRequest) -> HttpResponse:
    """The owner's lead time, time zone or reminders on/off changed: move their reminders."""
    try:
        owner = owner_id(json_body(request).get("owner"))
    except BadRequest as bad:
        return error(str(bad), 400)
    try:
        count = await reschedule_owner_reminders(owner)
    except DaprError as failed:
        logger.warning("reminders not rescheduled", extra={"owner": owner, "reason": str(failed)})
        return error(f"reminders could not be rescheduled: {failed}", 503)
    return JsonResponse({"owner": owner, "rescheduled": count})
