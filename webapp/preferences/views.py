"""The settings page: preferences saved with the ETag they were read with, the user's
upcoming reminders, a test e-mail and the link that verifies the user's address (asked of
bindings-worker by invocation), and the page that link opens.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit import publish as audit_publish
from audit import record as audit_record
from common.dapr.errors import DaprConflict
from webapp.bindings_worker_client import (
    BindingsWorkerUnavailable,
    EmailNotSent,
    list_upcoming_reminders,
    send_email_verification,
    send_test_email,
)
from webapp.preferences.changes import update_preferences
from webapp.preferences.forms import MalformedETag, PreferencesForm, sent_etag
from webapp.preferences.store import Preferences, load_preferences, mark_verified
from webapp.preferences.verification import InvalidLink, read_token, verification_link
from webapp.typed_request import HtmxHttpRequest, signed_in_id

CONFLICT = (
    "Your settings were changed in another tab; these are the current ones. "
    "Your change was not saved."
)
REMINDERS_NOT_MOVED = (
    "Saved, but your pending reminders could not be moved to the new lead time right now."
)
REMINDERS_UNAVAILABLE = "Your upcoming reminders cannot be shown right now; try again later."
EMAIL_UNAVAILABLE = "The e-mail service is unavailable right now; try again later."


async def _settings_page(
    request: HttpRequest,
    preferences: Preferences,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    try:
        reminders = await list_upcoming_reminders(signed_in_id(request.user))
        context = {**context, "reminders": reminders}
    except BindingsWorkerUnavailable:
        context = {**context, "reminders_error": REMINDERS_UNAVAILABLE}
    email = getattr(request.user, "email", "")
    context = {
        **context,
        "time_zone": preferences.time_zone,
        "email": email,
        "email_verified": preferences.verified(email),
    }
    return render(request, "preferences/settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
async def preferences_page(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    request.user = user
    user_id = signed_in_id(user)
    current, etag = await load_preferences(user_id)
    if request.method == "GET":
        form = PreferencesForm.for_preferences(current)
        return await _settings_page(request, current, {"form": form, "etag": etag or ""})
    form = PreferencesForm(request.POST)
    try:
        read_etag = sent_etag(request.POST)
    except MalformedETag as malformed:
        context = {"form": form, "etag": etag or "", "conflict": str(malformed)}
        return await _settings_page(request, current, context, status=400)
    if not form.is_valid():
        context = {"form": form, "etag": read_etag or ""}
        return await _settings_page(request, current, context, status=422)
    conflict_context = {
        "form": PreferencesForm.for_preferences(current),
        "etag": etag or "",
        "conflict": CONFLICT,
    }
    if read_etag is None and etag is not None:
        # A form without the etag over saved preferences is stale; the store (first-write,
        # no ETag, key exists) fails it only after the resiliency retries, a 503.
        return await _settings_page(request, current, conflict_context, status=409)
    try:
        saved = await update_preferences(user_id, current, form.preferences(current), read_etag)
    except DaprConflict:
        return await _settings_page(request, current, conflict_context, status=409)
    _, new_etag = await load_preferences(user_id)
    context = {"form": form, "etag": new_etag or "", "saved": True}
    if not saved.reminders_moved:
        context["notice"] = REMINDERS_NOT_MOVED
    return await _settings_page(request, form.preferences(current), context)


@require_POST
@login_required
async def test_email(request: HtmxHttpRequest) -> HttpResponse:
    """Sends the user a test e-mail: "Sent to <address>", or why not (4xx/503)."""
    user = await request.auser()
    request.user = user
    user_id = signed_in_id(user)
    result, status = await _mailed(send_test_email(user_id), "Sent to {to}.")
    return await _mail_answer(request, user_id, "test_email", result, status)


@require_POST
@login_required
async def send_verification(request: HtmxHttpRequest) -> HttpResponse:
    """Mails the user's address the signed link that verifies it."""
    user = await request.auser()
    request.user = user
    user_id = signed_in_id(user)
    link = verification_link(user_id, getattr(user, "email", ""))
    sending = send_email_verification(user_id, link)
    result, status = await _mailed(sending, "Sent a link to {to}; open it to verify.")
    return await _mail_answer(request, user_id, "verification", result, status)


async def _mailed(sending: Awaitable[str], sent: str) -> tuple[dict[str, Any], int]:
    """What the page says of an e-mail asked of bindings-worker, and its status."""
    try:
        return {"ok": True, "message": sent.format(to=await sending)}, 200
    except EmailNotSent as refused:
        return {"ok": False, "message": f"Not sent: {refused}"}, 422
    except BindingsWorkerUnavailable:
        return {"ok": False, "message": EMAIL_UNAVAILABLE}, 503


async def _mail_answer(
    request: HtmxHttpRequest, user_id: int, name: str, result: dict[str, Any], status: int
) -> HttpResponse:
    """The fragment `preferences/_<name>.html` for htmx, else the whole settings page."""
    if request.htmx:
        return render(request, f"preferences/_{name}.html", {name: result}, status=status)
    current, etag = await load_preferences(user_id)
    context = {
        "form": PreferencesForm.for_preferences(current),
        "etag": etag or "",
        name: result,
    }
    return await _settings_page(request, current, context, status=status)


@require_GET
async def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """The page the mailed link opens: marks the address verified (no sign-in needed: the
    signature is the proof), or says why not with a 400."""
    request.user = await request.auser()
    try:
        owner, email = read_token(token)
    except InvalidLink as invalid:
        await _audit_verification(None, "failed", str(invalid))
        return _verified_page(request, str(invalid), ok=False, status=400)
    user = await get_user_model().objects.filter(pk=owner, is_active=True).afirst()
    if user is None or getattr(user, "email", "") != email:
        message = (
            "This link is for an address the account no longer has; "
            "send a new one from the settings page."
        )
        await _audit_verification(owner, "failed", "address changed since the link was sent")
        return _verified_page(request, message, ok=False, status=400)
    try:
        await mark_verified(owner, email)
    except DaprConflict:
        message = "Your settings changed meanwhile; open the link again."
        return _verified_page(request, message, ok=False, status=409)
    await _audit_verification(owner, "success", "")
    return _verified_page(request, f"{email} is verified: reminders and digests go there.")


async def _audit_verification(owner: int | None, outcome: str, reason: str) -> None:
    # The address and the token stay out of the trail: the target is the user.
    record = audit_record.build("email.verified", "user", owner, outcome=outcome, reason=reason)
    await audit_publish.send(record)


def _verified_page(
    request: HttpRequest, message: str, ok: bool = True, status: int = 200
) -> HttpResponse:
    context = {"message": message, "ok": ok}
    return render(request, "preferences/email_verified.html", context, status=status)
