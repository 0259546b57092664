"""ASGI entry point of the sync worker (served by Daphne): Dapr's HTTP calls and tabs' sockets."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DAPR_TODO_SERVICE", "sync_worker")

from channels.routing import ProtocolTypeRouter, URLRouter
from django.core.asgi import get_asgi_application

http_application = get_asgi_application()

# Imported once Django is set up (get_asgi_application above).
from common.startup_heap import freeze_startup_heap  # noqa: E402
from common.tracing import traced_http  # noqa: E402
from sync_worker.close_codes import allow_protocol_close_codes  # noqa: E402
from sync_worker.database_free import skip_database_housekeeping  # noqa: E402
from sync_worker.routing import websocket_urlpatterns  # noqa: E402

allow_protocol_close_codes()
skip_database_housekeeping()
application = ProtocolTypeRouter(
    {"http": traced_http(http_application), "websocket": URLRouter(websocket_urlpatterns)}
)
freeze_startup_heap()
