"""Endpoints every service serves for observability: Prometheus /metrics and /ops/metadata."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from common.ops_metadata import ops_metadata


@require_GET
async def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)


urlpatterns: list[URLPattern] = [
    path("metrics", metrics, name="metrics"),
    path("ops/metadata", ops_metadata, name="ops-metadata"),
]
