"""Endpoints only other services call, through Dapr service invocation by app-id."""

from __future__ import annotations

import json
from dataclasses import asdict

from django.contrib.auth import aget_user
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from common.dapr.errors import DaprError
from common.dapr.guards import from_app
from common.dapr_names import BINDINGS_WORKER_APP_ID, SYNC_WORKER_APP_ID
from webapp.preferences.store import load_preferences
from webapp.sessions import SessionStore


@require_POST
@from_app(SYNC_WORKER_APP_ID)
async def session_user(request: HttpRequest) -> JsonResponse:
    """The signed-in user of a session key, for the sync worker's WebSocket handshake.

    Body {"session_key": "..."}; answers {"user_id": n} or 404 when no user is signed in.
    """
    try:
        session_key = json.loads(request.body)["session_key"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": 'body must be {"session_key": "..."}'}, status=400)
    if not isinstance(session_key, str) or not session_key:
        return JsonResponse({"error": "session_key must be a non-empty string"}, status=400)
    probe = HttpRequest()
    probe.session = SessionStore(session_key)
    user = await aget_user(probe)
    if not user.is_authenticated:
        return JsonResponse({"error": "no user signed in with that session"}, status=404)
    return JsonResponse({"user_id": user.pk})


@require_GET
@from_app(BINDINGS_WORKER_APP_ID)
async def preferences(request: HttpRequest) -> JsonResponse:
    """A user's preferences, for the bindings worker's reminders and digest.

    GET ?owner=<user id>; answers {"owner": n, "preferences": {...}}, with null
    preferences when the user never saved any (the bindings worker's defaults apply).
    """
    raw = request.GET.get("owner", "")
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        return JsonResponse({"error": "owner must be a positive user id"}, status=400)
    owner = int(raw)
    try:
        found, etag = await load_preferences(owner)
    except DaprError:
        return JsonResponse({"error": "preferences are unavailable right now"}, status=503)
    return JsonResponse(
        {"owner": owner, "preferences": asdict(found) if etag is not None else None}
    )
