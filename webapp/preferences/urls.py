"""The settings page."""

from __future__ import annotations

from django.urls import path

from webapp.preferences import views

urlpatterns = [
    path("settings/", views.preferences_page, name="settings"),
    path("settings/test-email", views.test_email, name="settings-test-email"),
    path(
        "settings/verification-email", views.send_verification, name="settings-verification-email"
    ),
    path("settings/verify-email/<str:token>", views.verify_email, name="verify-email"),
]
