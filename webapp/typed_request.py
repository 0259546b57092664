"""What webapp's middleware adds to a request and what login_required guarantees, typed.

As django-htmx's docs do it: views that read `request.htmx` annotate their request as
HtmxHttpRequest (HtmxMiddleware sets the attribute on every request).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def signed_in_id(user: AbstractBaseUser | AnonymousUser) -> int:
    """The id of the user that login_required let in (only AnonymousUser has none)."""
    user_id = user.pk
    assert isinstance(user_id, int), "a view behind login_required has a signed-in user"
    return user_id
