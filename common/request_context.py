"""The request being served, for code that has no request in hand (log records).

Set by the request-log middleware; asgiref carries context variables into the threads that
run sync code, so records logged there see it too.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty

current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)


def known_user_id(request: HttpRequest | None) -> int | None:
    """The signed-in user's id if the request already loaded its user, else None.

    Never loads it: that would cost a query on every request (and is a sync call in async
    code). Only the id: e-mail addresses and names stay out of logs.
    """
    if request is None:
        return None
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        # Read only once evaluated; django-stubs leaves out LazyObject's private _wrapped.
        wrapped = user._wrapped  # type: ignore[attr-defined]
        user = None if wrapped is empty else wrapped
    for cached in ("_acached_user", "_cached_user"):
        user = user if user is not None else request.__dict__.get(cached)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    pk = user.pk
    return pk if isinstance(pk, int) else None
