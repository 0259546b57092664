"""Settings for the local system started by the README's run command.

DEBUG is off, as in production (no tracebacks in answers); a developer turns it on by hand
with DJANGO_DEBUG=1 (config/settings/base.py).
"""

from __future__ import annotations

from config.settings.base import *  # noqa: F403
