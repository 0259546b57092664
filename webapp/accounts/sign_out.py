"""Signing out: Django's view (it deletes the session server-side), then the open live-sync
sockets of that session are closed, so the tab receives nothing more."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from webapp.sync_worker_client import close_session_sockets


class SignOutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user_id, session_key = request.user.pk, request.session.session_key
        response = super().post(request, *args, **kwargs)
        # After the deletion: a socket opened from now on is refused by its session check.
        if user_id is not None and session_key:
            async_to_sync(close_session_sockets)(user_id, session_key)
        return response
