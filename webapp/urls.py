"""URLs of the web application."""

from __future__ import annotations

from django.urls import include, path

from webapp import internal

urlpatterns = [
    path("", include("common.health")),
    path("accounts/", include("webapp.accounts.urls")),
    path("internal/session-user", internal.session_user, name="internal-session-user"),
    path("internal/preferences", internal.preferences, name="internal-preferences"),
    path("ops/", include("webapp.ops.urls")),
    path("", include("webapp.preferences.urls")),
    path("", include("webapp.todo.urls")),
]

handler400 = "webapp.errors.bad_request"
handler404 = "webapp.errors.not_found"
handler500 = "webapp.errors.server_error"
