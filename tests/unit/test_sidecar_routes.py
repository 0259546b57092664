"""Every route that only a sidecar calls is guarded by `from_sidecar`, in all three services,
and no browser-facing route is (a guarded view is also CSRF exempt).

Walking the URLconfs catches a new subscription, binding, actor or invocation route that
was added without the guard, which a per-view test would not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import import_module

import pytest
from django.urls import URLPattern, URLResolver

from common import dapr_names
from common.dapr.guards import is_sidecar_only
from devtools.topology import SERVICE_PACKAGES

# Unguarded everywhere: daprd's app health probe and kubelet send no token (/healthz,
# /readyz), Prometheus scrapes /metrics.
OPEN = {"healthz", "readyz", "metrics"}
# The webapp's sidecar-facing routes; all its other routes serve browsers.
WEBAPP_SIDECAR_PREFIXES = ("internal/", "api/", "dapr/", "actors/", "events/", "ops/metadata")


def routes(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, Callable[..., object]]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        else:
            yield route, pattern.callback


def sidecar_facing(package: str, route: str) -> bool:
    if route in OPEN:
        return False
    if package == "webapp":
        return route.startswith(WEBAPP_SIDECAR_PREFIXES)
    # The workers serve nothing to browsers over HTTP (sync_worker's sockets are ASGI routes).
    return True


def service_routes() -> list[tuple[str, str, Callable[..., object]]]:
    return [
        (package, route, view)
        for package in SERVICE_PACKAGES
        for route, view in routes(import_module(f"{package}.urls").urlpatterns)
    ]


@pytest.mark.parametrize(("package", "route", "view"), service_routes())
def test_a_route_is_sidecar_only_exactly_when_a_sidecar_calls_it(
    package: str, route: str, view: Callable[..., object]
) -> None:
    assert is_sidecar_only(view) == sidecar_facing(package, route), f"{package} /{route}"


def test_the_walk_finds_every_kind_of_sidecar_route() -> None:
    # A walk that found nothing would pass the test above vacuously.
    found = {(package, route) for package, route, _ in service_routes()}
    for expected in (
        ("webapp", "internal/session-user"),
        ("sync_worker", "events/task-events"),
        ("sync_worker", "ops/dead-letters"),
        ("bindings_worker", dapr_names.CRON_BINDING),
        ("bindings_worker", "dapr/config"),
        ("bindings_worker", "actors/<str:actor_type>/<str:actor_id>/method/remind/<str:name>"),
        ("bindings_worker", "api/test-email"),
    ):
        assert expected in found
