"""The endpoint webapp calls at sign-out (service invocation): close that session's live
sockets, on whichever instance holds them."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_POST

from common.dapr.guards import from_app
from common.dapr_names import WEBAPP_APP_ID
from common.session_ids import FINGERPRINT
from sync_worker.fanout import close_session


@require_POST
@from_app(WEBAPP_APP_ID)
async def signed_out(request: HttpRequest) -> HttpResponse:
    """Body `{"owner": <user id>, "session": <session fingerprint>}`; 204 once the close is
    sent to every instance (each socket gets it before any later push)."""
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError):  # RecursionError: deeply nested JSON
        return JsonResponse({"error": "the body is not JSON"}, status=400)
    owner = body.get("owner") if isinstance(body, dict) else None
    session = body.get("session") if isinstance(body, dict) else None
    if not isinstance(owner, int) or isinstance(owner, bool) or owner < 1:
        return JsonResponse({"error": "owner must be a positive user id"}, status=400)
    if not isinstance(session, str) or not FINGERPRINT.fullmatch(session):
        return JsonResponse({"error": "session must be a session fingerprint"}, status=400)
    await close_session(owner, session)
    return HttpResponse(status=204)
