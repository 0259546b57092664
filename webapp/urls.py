"""URLs of the web application."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("common.health")),
    path("", include("webapp.todo.urls")),
]
