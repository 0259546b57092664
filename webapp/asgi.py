"""ASGI entry point of the web application (served by Daphne)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings.local")
os.environ.setdefault("DAPR_TODO_SERVICE", "webapp")

from channels.routing import ProtocolTypeRouter
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application

# Daphne serves no static files, and the UI's pinned assets (htmx, its ws extension, CSS,
# live.js) must come from the app itself, never a CDN: serve /static/ from the apps' static
# directories (no collectstatic step).
application = ProtocolTypeRouter({"http": ASGIStaticFilesHandler(get_asgi_application())})
