"""How a session is named between services: a digest of its key, never the key itself, so
a sign-out can close that session's sockets without the key leaving webapp."""

from __future__ import annotations

import hashlib
import re

FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def fingerprint(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()
