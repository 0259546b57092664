"""Sign up, sign in, sign out (Django auth; users in Django's database)."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from webapp.accounts.forms import SignUpForm
from webapp.preferences.store import set_time_zone


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignUpForm(request.POST)
        if form.is_valid():
            user = form.save()
            async_to_sync(set_time_zone)(user.pk, form.cleaned_data.get("time_zone") or "UTC")
            # Named: with django-axes beside it there are two backends, and axes' never logs in.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
        return render(request, "accounts/signup.html", {"form": form}, status=422)
    return render(request, "accounts/signup.html", {"form": SignUpForm()})
