"""WebSocket routes of the sync worker."""

from __future__ import annotations

from django.urls import path

from sync_worker.consumers import TaskSyncConsumer

websocket_urlpatterns = [
    path("ws/tasks/", TaskSyncConsumer.as_asgi()),
]
