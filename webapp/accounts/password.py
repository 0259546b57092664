"""Changing one's password: Django's own view, which keeps the session signed in with a new
key, plus the audit record that compliance asks for (Django sends no signal for it)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from audit.signals import emit


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("password-changed")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        emit("auth.password_change", "user", user.pk, request=self.request, user=user)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        user = self.request.user
        emit(
            "auth.password_change",
            "user",
            user.pk,
            request=self.request,
            user=user,
            outcome="failed",
            reason=", ".join(sorted(form.errors)),
        )
        response = super().form_invalid(form)
        response.status_code = 422
        return response


class PasswordChangedView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_changed.html"
