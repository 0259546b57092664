"""Settings for pytest: no real secret needed, fast hashing, in-memory database."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-a-secret")

from webapp.settings.base import *  # noqa: F403

# In memory unless DATABASE_URL names one: the integration fixture's apps share a file DB.
if not os.environ.get("DATABASE_URL"):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
