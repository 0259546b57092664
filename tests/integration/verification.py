"""Verifying a test user's e-mail address as its inbox would: by opening the signed link.

Reminders and digests go only to verified addresses (webapp/preferences/verification.py).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from tests.conftest import RunningSystem
from webapp.preferences.verification import verification_link


def system_secret_key(system: RunningSystem) -> str:
    """The secret key the running apps sign with (test settings' default unless given)."""
    return (
        system.app_env.get("DJANGO_SECRET_KEY")
        or os.environ.get("DJANGO_SECRET_KEY")
        or settings.SECRET_KEY
    )


def link_path(system: RunningSystem, owner: int, email: str) -> str:
    """The path of the link that verifies `email` for `owner`, signed as webapp signs it."""
    return urlsplit(verification_link(owner, email, key=system_secret_key(system))).path


def verify_address(system: RunningSystem, owner: int, email: str) -> None:
    """Marks `email` verified for `owner` through webapp's verification page."""
    response = httpx.get(system.service("webapp").app_url + link_path(system, owner, email))
    assert response.status_code == 200, response.text[:300]
