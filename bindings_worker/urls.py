"""URLs of the bindings worker: health and its input binding."""

from __future__ import annotations

from django.urls import include, path

from bindings_worker import cron
from common import dapr_names

urlpatterns = [
    path("", include("common.health")),
    path(dapr_names.CRON_BINDING, cron.digest_tick, name="digest-cron"),
]
