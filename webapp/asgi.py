"""ASGI entry point of the web application (served by Daphne)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings.local")
os.environ.setdefault("DAPR_TODO_SERVICE", "webapp")

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

application = ProtocolTypeRouter({"http": get_asgi_application()})
