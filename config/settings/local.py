"""Settings for the local system started by the README's run command."""

from __future__ import annotations

from common import env
from config.settings.base import *  # noqa: F403

DEBUG = env.flag("DJANGO_DEBUG", default=True)
