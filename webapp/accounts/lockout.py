"""The answer to a locked-out sign-in (django-axes' AXES_LOCKOUT_CALLABLE): the sign-in page
again, status 429, saying why and for how long, so a person knows to wait and a script
can tell it from a wrong password."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

TOO_MANY_REQUESTS = 429


def locked_out(request: HttpRequest, *_: Any) -> HttpResponse:
    """Axes passes the original response and the credentials too (in an order that differs
    between its sync and async middleware): neither is needed here."""
    minutes = math.ceil(settings.AXES_COOLOFF_SECONDS / 60)
    return render(
        request,
        "accounts/login.html",
        {"locked_out": True, "cooloff_minutes": minutes},
        status=TOO_MANY_REQUESTS,
    )
