"""Settings for pytest: no real secret needed, fast hashing, in-memory database."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-a-secret")

from config.settings.base import *  # noqa: F403

# Unit tests use an in-memory database; processes the integration tests start get a file
# (DATABASE_URL) that they share.
if not os.environ.get("DATABASE_URL"):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
