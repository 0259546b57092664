"""The settings page."""

from __future__ import annotations

from django.urls import path

from webapp.preferences import views

urlpatterns = [
    path("settings/", views.preferences_page, name="settings"),
    path("settings/test-email", views.test_email, name="settings-test-email"),
]
