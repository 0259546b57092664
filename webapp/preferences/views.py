"""The settings page: preferences saved with the ETag they were read with, the user's
upcoming reminders and a test e-mail (both asked of bindings-worker by invocation).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from common.dapr.errors import DaprConflict
from webapp.bindings_worker_client import (
    BindingsWorkerUnavailable,
    EmailNotSent,
    list_upcoming_reminders,
    send_test_email,
)
from webapp.preferences.changes import update_preferences
from webapp.preferences.forms import MalformedETag, PreferencesForm, sent_etag
from webapp.preferences.store import Preferences, load_preferences
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
    context = {**context, "time_zone": preferences.time_zone}
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
        saved = await update_preferences(user_id, current, form.preferences(), read_etag)
    except DaprConflict:
        return await _settings_page(request, current, conflict_context, status=409)
    _, new_etag = await load_preferences(user_id)
    context = {"form": form, "etag": new_etag or "", "saved": True}
    if not saved.reminders_moved:
        context["notice"] = REMINDERS_NOT_MOVED
    return await _settings_page(request, form.preferences(), context)


@require_POST
@login_required
async def test_email(request: HtmxHttpRequest) -> HttpResponse:
    """Sends the user a test e-mail: "Sent to <address>", or why not (4xx/503)."""
    user = await request.auser()
    request.user = user
    user_id = signed_in_id(user)
    try:
        result, status = {"ok": True, "message": f"Sent to {await send_test_email(user_id)}."}, 200
    except EmailNotSent as refused:
        result, status = {"ok": False, "message": f"Not sent: {refused}"}, 422
    except BindingsWorkerUnavailable:
        result, status = {"ok": False, "message": EMAIL_UNAVAILABLE}, 503
    if request.htmx:
        return render(
            request, "preferences/_test_email.html", {"test_email": result}, status=status
        )
    current, etag = await load_preferences(user_id)
    context = {
        "form": PreferencesForm.for_preferences(current),
        "etag": etag or "",
        "test_email": result,
    }
    return await _settings_page(request, current, context, status=status)
