"""The settings page: preferences saved with the ETag they were read with."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from common import state
from webapp.preferences import load_preferences, save_preferences
from webapp.todo.preferences_form import PreferencesForm


@require_http_methods(["GET", "POST"])
@login_required
async def preferences_page(request: HttpRequest) -> HttpResponse:
    user = await request.auser()
    request.user = user
    current, etag = await load_preferences(user.pk)
    if request.method == "GET":
        form = PreferencesForm.for_preferences(current)
        return render(request, "todo/settings.html", {"form": form, "etag": etag or ""})
    form = PreferencesForm(request.POST)
    if not form.is_valid():
        context = {"form": form, "etag": request.POST.get("etag", "")}
        return render(request, "todo/settings.html", context, status=422)
    sent_etag = request.POST.get("etag") or None
    try:
        await save_preferences(user.pk, form.preferences(), sent_etag)
    except state.ETagMismatch:
        context = {
            "form": PreferencesForm.for_preferences(current),
            "etag": etag or "",
            "conflict": "Your settings were changed in another tab; these are the current "
            "ones. Your change was not saved.",
        }
        return render(request, "todo/settings.html", context, status=409)
    _, new_etag = await load_preferences(user.pk)
    context = {"form": form, "etag": new_etag or "", "saved": True}
    return render(request, "todo/settings.html", context)
