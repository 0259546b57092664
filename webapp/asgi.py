"""ASGI entry point of the web application (served by Daphne)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DAPR_TODO_SERVICE", "webapp")

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

from webapp.static_files import StaticFilesHandler

http_application = StaticFilesHandler(get_asgi_application())

# Imported once Django is set up (get_asgi_application above).
from common.startup_heap import freeze_startup_heap  # noqa: E402
from common.tracing import traced_http  # noqa: E402

# Daphne serves no static files itself; Django's ASGI handler serves STATIC_URL (htmx, the
# ws extension, CSS, JS) from the apps' static folders, with DEBUG off too, and passes
# everything else through.
application = ProtocolTypeRouter({"http": traced_http(http_application)})
freeze_startup_heap()
