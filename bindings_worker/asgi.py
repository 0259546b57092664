"""ASGI entry point of the bindings worker (served by Daphne)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DAPR_TODO_SERVICE", "bindings_worker")

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

http_application = get_asgi_application()

# Imported once Django is set up (get_asgi_application above).
from common.startup_heap import freeze_startup_heap  # noqa: E402
from common.tracing import traced_http  # noqa: E402

application = ProtocolTypeRouter({"http": traced_http(http_application)})
freeze_startup_heap()
