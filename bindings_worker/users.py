"""The users the bindings worker writes to (Django's auth users; task owner = user id)."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model


@database_sync_to_async
def owner_email(owner: int) -> str | None:
    """The e-mail address of active user `owner`; None when unknown, inactive or blank."""
    user = get_user_model().objects.filter(pk=owner, is_active=True).first()
    return (user.email or None) if user else None


@database_sync_to_async
def users_with_email() -> list[tuple[int, str]]:
    """(id, e-mail) of every active user who has an address, for the daily digest."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    return list(users.order_by("pk").values_list("pk", "email"))
