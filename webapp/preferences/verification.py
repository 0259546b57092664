"""The signed link that proves an e-mail address is its user's, before reminders or digests
go to it (nobody may point the app's mail at someone else's inbox).

The link carries the user id and the address, signed with the project's secret key
(django.core.signing) and timestamped; it expires after EMAIL_VERIFICATION_MAX_AGE_SECONDS.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "dapr-todo.email-verification"


class InvalidLink(ValueError):
    """A verification link that is tampered with, expired or not one of ours (400)."""


def make_token(owner: int, email: str, key: str | None = None) -> str:
    """The signed token of the link; `key` is the secret key of another process (tests)."""
    return signing.dumps({"owner": owner, "email": email}, key=key, salt=SALT)


def verification_link(owner: int, email: str, key: str | None = None) -> str:
    """The absolute link mailed to `email` (PUBLIC_BASE_URL, as every link in an e-mail)."""
    path = reverse("verify-email", args=[make_token(owner, email, key)])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


def read_token(token: str) -> tuple[int, str]:
    """The (user id, address) a link verifies; InvalidLink when it is not a valid one."""
    try:
        value: Any = signing.loads(
            token, salt=SALT, max_age=timedelta(seconds=settings.EMAIL_VERIFICATION_MAX_AGE_SECONDS)
        )
    except signing.SignatureExpired:
        raise InvalidLink(
            "This verification link has expired; send a new one from the settings page."
        ) from None
    except signing.BadSignature:
        raise InvalidLink(
            "This verification link is not valid (it may have been changed or cut short)."
        ) from None
    if not isinstance(value, dict):
        raise InvalidLink("This verification link is not valid.")
    owner, email = value.get("owner"), value.get("email")
    if not isinstance(owner, int) or isinstance(owner, bool) or not isinstance(email, str):
        raise InvalidLink("This verification link is not valid.")
    return owner, email
