"""Endpoints only other services call, through Dapr service invocation by app-id."""

from __future__ import annotations

import json

from django.contrib.auth import aget_user
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from common.dapr_callback import from_sidecar
from common.dapr_names import SYNC_WORKER_APP_ID
from webapp.sessions import SessionStore


@require_POST
@from_sidecar
async def session_user(request: HttpRequest) -> JsonResponse:
    """The signed-in user of a session key, for the sync worker's WebSocket handshake.

    Body {"session_key": "..."}; answers {"user_id": n} or 404 when no user is signed in.
    """
    if request.headers.get("dapr-caller-app-id") != SYNC_WORKER_APP_ID:
        return JsonResponse({"error": "only the sync worker may ask"}, status=403)
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
